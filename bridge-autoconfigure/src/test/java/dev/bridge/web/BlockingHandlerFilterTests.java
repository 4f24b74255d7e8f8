package dev.bridge.web;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.bridge.BlockingBridge;
import dev.bridge.UnknownBlockingPoolException;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link BlockingHandlerFilter} on {@code RouterFunctions.route()} over a real Netty port:
 * handlers run on the named pool, as observed calls, with the same 503 and 504 problem
 * responses as {@code @Blocking}, and a request whose client leaves before its task starts
 * never runs.
 */
@SpringBootTest(classes = BlockingHandlerFilterTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "bridge.pools.tiny.max-threads=1", "bridge.pools.tiny.queue-capacity=0",
				"bridge.pools.one.max-threads=1", "bridge.pools.one.queue-capacity=10",
				"bridge.eventloop.watchdog.enabled=false", "management.metrics.use-global-registry=false",
				"server.address=127.0.0.1" })
class BlockingHandlerFilterTests {

	@LocalServerPort
	private int port;

	@Autowired
	private BlockingBridge bridge;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private Gate gate;

	@AfterEach
	void release() {
		this.gate.release();
	}

	private WebTestClient client() {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(15))
			.build();
	}

	private CompletableFuture<String> get(String path) {
		return WebClient.create("http://127.0.0.1:" + this.port)
			.get()
			.uri(path)
			.retrieve()
			.bodyToMono(String.class)
			.toFuture();
	}

	@Test
	void handlerRunsOnTheNamedPoolAsAnObservedCall() {
		client().get()
			.uri("/fn/where/7")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((thread) -> assertThat(thread).startsWith("bridge-default-"));
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> this.meters.find("bridge.blocking")
				.tags("pool", "default", "method", "GET /fn/where/{id}")
				.timer(), (timer) -> timer != null && timer.count() == 1);
	}

	@Test
	void unfilteredRouteStaysOnTheEventLoop() {
		client().get()
			.uri("/fn/loop")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((thread) -> assertThat(thread).doesNotStartWith("bridge-"));
		Timer timer = this.meters.find("bridge.blocking").tags("method", "GET /fn/loop").timer();
		assertThat(timer).isNull();
	}

	@Test
	void saturatedPoolAnswers503ProblemWithRetryAfter() throws Exception {
		this.gate.arm();
		CompletableFuture<String> first = get("/fn/tiny");
		assertThat(this.gate.started.await(10, TimeUnit.SECONDS)).isTrue();
		client().get()
			.uri("/fn/tiny")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader()
			.valueEquals("Retry-After", "1")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.pool")
			.isEqualTo("tiny");
		this.gate.release();
		assertThat(first.get(10, TimeUnit.SECONDS)).startsWith("bridge-tiny-");
	}

	@Test
	void timeoutAnswers504Problem() {
		client().get()
			.uri("/fn/slow")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.GATEWAY_TIMEOUT)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat((String) detail)
				.startsWith("Blocking call GET /fn/slow on pool 'default' did not complete within 200ms"));
	}

	@Test
	void requestWhoseClientLeftBeforeItsTaskStartedNeverRuns() throws Exception {
		this.gate.arm();
		CompletableFuture<String> holder = get("/fn/one/hold");
		assertThat(this.gate.started.await(10, TimeUnit.SECONDS)).isTrue();
		long cancelledBefore = this.bridge.pool("one").cancelledCount();
		Disposable leaving = WebClient.create("http://127.0.0.1:" + this.port)
			.get()
			.uri("/fn/one/count")
			.retrieve()
			.bodyToMono(String.class)
			.subscribe();
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.bridge.pool("one").queued() == 1);
		leaving.dispose();
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> this.bridge.pool("one").queued() == 0
					&& this.bridge.pool("one").cancelledCount() > cancelledBefore);
		this.gate.release();
		assertThat(holder.get(10, TimeUnit.SECONDS)).startsWith("bridge-one-");
		assertThat(get("/fn/one/count").get(10, TimeUnit.SECONDS)).isEqualTo("1");
		assertThat(this.gate.counted).hasValue(1);
	}

	@Test
	void unknownPoolOrNonPositiveTimeoutIsRefusedWhenTheFilterIsMade() {
		assertThatExceptionOfType(UnknownBlockingPoolException.class)
			.isThrownBy(() -> BlockingHandlerFilter.onPool(this.bridge, "nope"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> BlockingHandlerFilter.onDefaultPool(this.bridge).withTimeout(Duration.ZERO))
			.withMessage("timeout must be strictly positive, was 0s");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Gate gate() {
			return new Gate();
		}

		@Bean
		RouterFunction<ServerResponse> routes(BlockingBridge bridge, Gate gate) {
			RouterFunction<ServerResponse> onDefault = RouterFunctions.route()
				.GET("/fn/where/{id}", (request) -> ServerResponse.ok().bodyValue(Thread.currentThread().getName()))
				.filter(BlockingHandlerFilter.onDefaultPool(bridge))
				.build();
			RouterFunction<ServerResponse> slow = RouterFunctions.route().GET("/fn/slow", (request) -> {
				Gate.await(new CountDownLatch(1));
				return ServerResponse.ok().bodyValue("late");
			}).filter(BlockingHandlerFilter.onDefaultPool(bridge).withTimeout(Duration.ofMillis(200))).build();
			RouterFunction<ServerResponse> tiny = RouterFunctions.route()
				.GET("/fn/tiny", (request) -> ServerResponse.ok().bodyValue(gate.hold()))
				.filter(BlockingHandlerFilter.onPool(bridge, "tiny"))
				.build();
			RouterFunction<ServerResponse> one = RouterFunctions.route()
				.GET("/fn/one/hold", (request) -> ServerResponse.ok().bodyValue(gate.hold()))
				.GET("/fn/one/count",
						(request) -> ServerResponse.ok().bodyValue(String.valueOf(gate.counted.incrementAndGet())))
				.filter(BlockingHandlerFilter.onPool(bridge, "one"))
				.build();
			RouterFunction<ServerResponse> loop = RouterFunctions.route()
				.GET("/fn/loop", (request) -> ServerResponse.ok().bodyValue(Thread.currentThread().getName()))
				.build();
			return onDefault.and(slow).and(tiny).and(one).and(loop);
		}

	}

	static class Gate {

		final AtomicInteger counted = new AtomicInteger();

		volatile CountDownLatch started = new CountDownLatch(1);

		volatile CountDownLatch release = new CountDownLatch(0);

		void arm() {
			this.started = new CountDownLatch(1);
			this.release = new CountDownLatch(1);
		}

		void release() {
			this.release.countDown();
		}

		String hold() {
			this.started.countDown();
			await(this.release);
			return Thread.currentThread().getName();
		}

		static void await(CountDownLatch latch) {
			try {
				latch.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
