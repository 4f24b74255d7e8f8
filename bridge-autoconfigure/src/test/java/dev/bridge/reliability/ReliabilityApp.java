package dev.bridge.reliability;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.slf4j.MDC;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.WebFilter;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * The application the reliability scenarios run against: blocking routes on small pools
 * (see the properties of each test), a trivial route, and a filter that puts each request's
 * id into the MDC it carries.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ ReliabilityApp.Routes.class, ReliabilityApp.Legacy.class })
class ReliabilityApp {

	static final String REQUEST_ID = "X-Request-Id";

	/**
	 * Puts the request id in the MDC that travels with the request (Reactor context, read by
	 * context-propagation's MDC accessor).
	 */
	@Bean
	WebFilter requestIdFilter() {
		return (exchange, chain) -> {
			String id = exchange.getRequest().getHeaders().getFirst(REQUEST_ID);
			if (id == null) {
				return chain.filter(exchange);
			}
			return chain.filter(exchange).contextWrite(Context.of(Slf4jThreadLocalAccessor.KEY, Map.of("requestId", id)));
		};
	}

	/**
	 * A legacy client: every method blocks its thread.
	 */
	@Service
	static class Legacy {

		final AtomicInteger started = new AtomicInteger();

		final AtomicInteger cleanedUp = new AtomicInteger();

		volatile CountDownLatch gate = new CountDownLatch(0);

		final CountDownLatch gateReached = new CountDownLatch(1);

		public AtomicInteger started() {
			return this.started;
		}

		public AtomicInteger cleanedUp() {
			return this.cleanedUp;
		}

		public void closeGate() {
			this.gate = new CountDownLatch(1);
		}

		public void openGate() {
			this.gate.countDown();
		}

		public CountDownLatch gateReached() {
			return this.gateReached;
		}

		@Blocking(pool = "flood")
		public Mono<String> slow(String id, long millis) throws InterruptedException {
			this.started.incrementAndGet();
			Thread.sleep(millis);
			return Mono.just("done-" + id);
		}

		@Blocking(pool = "storm")
		public Mono<String> gated(String id) throws InterruptedException {
			this.started.incrementAndGet();
			this.gateReached.countDown();
			this.gate.await(30, TimeUnit.SECONDS);
			return Mono.just("gated-" + id);
		}

		@Blocking(pool = "faults")
		public Mono<String> fail(String kind) throws Exception {
			switch (kind) {
				case "checked" -> throw new IOException("legacy I/O failed");
				case "unchecked" -> throw new IllegalStateException("legacy state broken");
				case "error" -> throw new StackOverflowError("legacy recursion");
				default -> {
					return Mono.just("ok on " + Thread.currentThread().getName());
				}
			}
		}

		@Blocking(pool = "timed")
		public Mono<String> hang(long millis) {
			this.started.incrementAndGet();
			try {
				Thread.sleep(millis);
				return Mono.just("finished");
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return Mono.just("interrupted");
			}
			finally {
				this.cleanedUp.incrementAndGet();
			}
		}

		@Blocking(pool = "context")
		public Mono<String> mdc() {
			return Mono.justOrEmpty(MDC.get("requestId"));
		}

		@Blocking
		public String plain() {
			return "plain";
		}

	}

	@RestController
	static class Routes {

		private final Legacy legacy;

		Routes(Legacy legacy) {
			this.legacy = legacy;
		}

		@GetMapping("/api/ping")
		Mono<String> ping() {
			return Mono.just("pong");
		}

		@GetMapping("/slow/{id}")
		Mono<String> slow(@PathVariable String id, @RequestParam(defaultValue = "200") long millis)
				throws InterruptedException {
			return this.legacy.slow(id, millis);
		}

		@GetMapping("/gated/{id}")
		Mono<String> gated(@PathVariable String id) throws InterruptedException {
			return this.legacy.gated(id);
		}

		@GetMapping("/fail/{kind}")
		Mono<String> fail(@PathVariable String kind) throws Exception {
			return this.legacy.fail(kind)
				.onErrorResume((ex) -> Mono.just(ex.getClass().getName() + ": " + ex.getMessage()));
		}

		@GetMapping("/hang")
		Mono<String> hang(@RequestParam long millis) {
			return this.legacy.hang(millis);
		}

		@GetMapping("/mdc")
		Mono<String> mdc() {
			return this.legacy.mdc();
		}

		@Blocking
		@GetMapping("/mdc-plain")
		public String mdcPlain() {
			return String.valueOf(MDC.get("requestId"));
		}

		@GetMapping("/guarded")
		Mono<String> guarded() {
			return Mono.fromCallable(this.legacy::plain);
		}

		static Duration millis(long value) {
			return Duration.ofMillis(value);
		}

	}

}
