package dev.bridge.test.slice;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * An application for the {@code @WebFluxTest} slice.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class SliceApp {

	@RestController
	static class ReportController {

		private final Legacy legacy;

		ReportController(Legacy legacy) {
			this.legacy = legacy;
		}

		@Blocking
		@GetMapping("/report")
		String report() {
			return Thread.currentThread().getName();
		}

		@GetMapping("/guarded")
		Mono<String> guarded() {
			return Mono.fromCallable(this.legacy::load).subscribeOn(Schedulers.parallel());
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
