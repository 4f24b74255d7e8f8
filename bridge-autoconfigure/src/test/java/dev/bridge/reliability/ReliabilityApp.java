package dev.bridge.reliability;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.slf4j.MDC;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.WebFilter;

import dev.bridge.Blocking;
import reactor.core.publisher.Flux;
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
	 * One line of a streamed answer.
	 * @param index its position
	 * @param text its text
	 */
	record Line(int index, String text) {
	}

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

		final AtomicInteger futuresInterrupted = new AtomicInteger();

		final AtomicInteger futuresStarted = new AtomicInteger();

		volatile CountDownLatch gate = new CountDownLatch(0);

		final CountDownLatch gateReached = new CountDownLatch(1);

		public AtomicInteger started() {
			return this.started;
		}

		public AtomicInteger cleanedUp() {
			return this.cleanedUp;
		}

		public AtomicInteger futuresInterrupted() {
			return this.futuresInterrupted;
		}

		public AtomicInteger futuresStarted() {
			return this.futuresStarted;
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
		public Mono<String> fail(String kind, String marker) throws Exception {
			throw failure(kind, marker);
		}

		@Blocking(pool = "faults")
		public Mono<String> failWith(Throwable failure) throws Exception {
			throw rethrowable(failure);
		}

		@Blocking(pool = "faults")
		public Flux<String> failFluxWith(Throwable failure) throws Exception {
			throw rethrowable(failure);
		}

		@Blocking(pool = "faults")
		public CompletionStage<String> failStageWith(Throwable failure) throws Exception {
			throw rethrowable(failure);
		}

		/**
		 * Holds a thread of the faults pool until released.
		 */
		@Blocking(pool = "faults")
		public Mono<String> holdFaultsThread(CountDownLatch reached, CountDownLatch release)
				throws InterruptedException {
			reached.countDown();
			release.await(30, TimeUnit.SECONDS);
			return Mono.just(Thread.currentThread().getName());
		}

		@Blocking(pool = "flood")
		public Flux<Line> lines(int count) throws InterruptedException {
			Thread.sleep(20);
			return Flux.range(0, count).map((i) -> new Line(i, "line " + i + " of " + count));
		}

		@Blocking(pool = "context")
		public Flux<String> threadPerItem(int count) {
			return Flux.range(0, count).map((i) -> Thread.currentThread().getName());
		}

		@Blocking(pool = "cancel")
		public CompletableFuture<String> heldFuture(CountDownLatch reached) {
			this.futuresStarted.incrementAndGet();
			reached.countDown();
			try {
				new CountDownLatch(1).await(30, TimeUnit.SECONDS);
				return CompletableFuture.completedFuture("not interrupted");
			}
			catch (InterruptedException ex) {
				this.futuresInterrupted.incrementAndGet();
				return CompletableFuture.completedFuture("interrupted");
			}
		}

		static Exception failure(String kind, String marker) {
			return switch (kind) {
				case "checked" -> new IOException(marker);
				case "unchecked" -> new IllegalStateException(marker);
				default -> rethrowable(error(kind, marker));
			};
		}

		static Error error(String kind, String marker) {
			return switch (kind) {
				case "stack" -> new StackOverflowError(marker);
				case "noclass" -> new NoClassDefFoundError(marker);
				case "memory" -> new OutOfMemoryError(marker);
				case "assertion" -> new AssertionError(marker);
				default -> throw new IllegalArgumentException(kind);
			};
		}

		/**
		 * Lets a method declared {@code throws Exception} throw any throwable: an error is
		 * thrown as is, before this returns.
		 */
		static Exception rethrowable(Throwable failure) {
			if (failure instanceof Error error) {
				throw error;
			}
			return (Exception) failure;
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
		Mono<String> fail(@PathVariable String kind, @RequestParam String marker) throws Exception {
			return this.legacy.fail(kind, marker);
		}

		@Blocking
		@GetMapping("/fail-plain/{kind}")
		public String failPlain(@PathVariable String kind, @RequestParam String marker) throws Exception {
			throw Legacy.failure(kind, marker);
		}

		@GetMapping(path = "/lines/{count}", produces = MediaType.APPLICATION_NDJSON_VALUE)
		Flux<Line> lines(@PathVariable int count) throws InterruptedException {
			return this.legacy.lines(count);
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
