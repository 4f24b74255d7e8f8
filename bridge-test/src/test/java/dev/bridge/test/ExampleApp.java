package dev.bridge.test;

import java.time.Duration;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A WebFlux application whose handlers block the event loop, or not.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ExampleApp.Handlers.class, ExampleApp.Legacy.class })
class ExampleApp {

	static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@RestController
	static class Handlers {

		private final Legacy legacy;

		Handlers(Legacy legacy) {
			this.legacy = legacy;
		}

		/**
		 * Runs on the event loop that serves the request: the sleep blocks it.
		 */
		@GetMapping("/sleep-on-loop/{millis}")
		String sleepOnLoop(@PathVariable long millis) {
			sleep(millis);
			return Thread.currentThread().getName();
		}

		/**
		 * Runs on pool "default": the sleep blocks no loop.
		 */
		@Blocking
		@GetMapping("/blocking/{millis}")
		String blocking(@PathVariable long millis) {
			sleep(millis);
			return Thread.currentThread().getName();
		}

		/**
		 * Calls a plain-returning @Blocking method on a parallel worker, where the guard
		 * applies.
		 */
		@GetMapping("/guarded")
		Mono<String> guarded() {
			return Mono.fromCallable(this.legacy::load).subscribeOn(Schedulers.parallel());
		}

		@GetMapping("/quick")
		Mono<String> quick() {
			return Mono.delay(Duration.ofMillis(5)).map((tick) -> "quick");
		}

	}

	@Service
	static class Legacy {

		@Blocking
		public String load() {
			return "loaded";
		}

	}

}
