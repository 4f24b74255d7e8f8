package dev.bridge.web;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bridge in a real WebFlux application on a real Netty port.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "bridge.guard.mode=fail", "bridge.pools.tiny.max-threads=1",
				"bridge.pools.tiny.queue-capacity=0", "bridge.eventloop.watchdog.enabled=false" })
@AutoConfigureWebTestClient(timeout = "10s")
class BlockingWebFluxIntegrationTests {

	@Autowired
	private WebTestClient client;

	@Autowired
	private Gates gates;

	@Autowired
	private BlockingBridge bridge;

	@Autowired
	private io.micrometer.core.instrument.MeterRegistry meters;

	@LocalServerPort
	private int port;

	private CompletableFuture<String> get(String path) {
		return WebClient.create("http://localhost:" + this.port).get().uri(path).retrieve()
			.bodyToMono(String.class).toFuture();
	}

	@AfterEach
	void openGates() {
		this.gates.release();
	}

	@Test
	void blockingControllerMethodWithPlainReturnTypeRunsOnTheBridgePool() {
		this.client.get()
			.uri("/plain")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((thread) -> assertThat(thread).startsWith("bridge-default-"));
	}

	@Test
	void blockingControllerMethodIsObservedAsAnOffloadedCall() {
		long before = plainCalls();
		this.client.get().uri("/plain").exchange().expectStatus().isOk();
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> plainCalls() == before + 1);
		this.client.get().uri("/plain").exchange().expectStatus().isOk();
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> plainCalls() == before + 2);
		assertThat(plainCalls()).as("one observation per request").isEqualTo(before + 2);
	}

	private long plainCalls() {
		io.micrometer.core.instrument.Timer timer = this.meters.find("bridge.blocking")
			.tags("pool", "default", "method", "Routes.plain")
			.timer();
		return (timer != null) ? timer.count() : 0;
	}

	@Test
	void blockingServiceMonoRunsOnTheBridgePool() {
		this.client.get()
			.uri("/mono")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((thread) -> assertThat(thread).startsWith("bridge-default-"));
	}

	@Test
	void anotherRouteIsAnsweredWhileABlockingOneSleeps() throws Exception {
		this.gates.arm();
		CompletableFuture<String> held = get("/held");
		assertThat(this.gates.started.await(10, TimeUnit.SECONDS)).isTrue();
		this.client.get().uri("/fast").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("fast");
		assertThat(held).isNotDone();
		this.gates.release();
		assertThat(held.get(10, TimeUnit.SECONDS)).startsWith("bridge-default-");
	}

	@Test
	void saturatedPoolAnswers503ProblemWithRetryAfter() throws Exception {
		this.gates.arm();
		CompletableFuture<String> first = get("/tiny");
		assertThat(this.gates.started.await(10, TimeUnit.SECONDS)).isTrue();
		long rejectedBefore = this.bridge.pool("tiny").rejectedCount();
		this.client.get()
			.uri("/tiny")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader()
			.valueEquals("Retry-After", "1")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(503)
			.jsonPath("$.pool")
			.isEqualTo("tiny")
			.jsonPath("$.detail")
			.value((detail) -> assertThat((String) detail).startsWith("Blocking pool 'tiny' is saturated"));
		assertThat(this.bridge.pool("tiny").rejectedCount()).isEqualTo(rejectedBefore + 1);
		this.gates.release();
		assertThat(first.get(10, TimeUnit.SECONDS)).startsWith("bridge-tiny-");
	}

	@Test
	void timeoutAnswers504Problem() {
		this.client.get()
			.uri("/slow")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.GATEWAY_TIMEOUT)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat((String) detail)
				.startsWith("Blocking call SlowService.slow on pool 'default' did not complete within 200ms"));
	}

	@Test
	void blockOnFromARouteAnswers500WithTheMessageInsteadOfHanging() {
		this.client.get()
			.uri("/block-on")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat((String) detail)
				.matches("BlockingBridge\\.blockOn\\(\\) was called on event-loop thread '(reactor|webflux)-http-.*"));
	}

	@Test
	void plainBlockingMethodCalledOnTheEventLoopFailsInFailMode() {
		this.client.get()
			.uri("/guarded")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat((String) detail)
				.matches("@Blocking method SlowService\\.plain was called on event-loop thread '(reactor|webflux)-http-.*"));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ Routes.class, SlowService.class, Gates.class })
	static class App {

	}

	@Service
	static class Gates {

		volatile CountDownLatch started = new CountDownLatch(1);

		volatile CountDownLatch release = new CountDownLatch(0);

		public void arm() {
			this.started = new CountDownLatch(1);
			this.release = new CountDownLatch(1);
		}

		public void release() {
			this.release.countDown();
		}

		public String hold() throws InterruptedException {
			this.started.countDown();
			this.release.await(10, TimeUnit.SECONDS);
			return Thread.currentThread().getName();
		}

	}

	@Service
	static class SlowService {

		private final Gates gates;

		SlowService(Gates gates) {
			this.gates = gates;
		}

		@Blocking
		public Mono<String> mono() {
			return Mono.just(Thread.currentThread().getName());
		}

		@Blocking(pool = "tiny")
		public Mono<String> tiny() throws InterruptedException {
			return Mono.just(this.gates.hold());
		}

		@Blocking(timeout = "200ms")
		public Mono<String> slow() throws InterruptedException {
			new CountDownLatch(1).await(5, TimeUnit.SECONDS);
			return Mono.just("late");
		}

		@Blocking
		public String plain() {
			return "plain";
		}

	}

	@RestController
	static class Routes {

		private final SlowService service;

		private final Gates gates;

		private final BlockingBridge bridge;

		Routes(SlowService service, Gates gates, BlockingBridge bridge) {
			this.service = service;
			this.gates = gates;
			this.bridge = bridge;
		}

		@Blocking
		@GetMapping("/plain")
		public String plain() {
			return Thread.currentThread().getName();
		}

		@Blocking
		@GetMapping("/held")
		public String held() throws InterruptedException {
			return this.gates.hold();
		}

		@GetMapping("/fast")
		public Mono<String> fast() {
			return Mono.just("fast");
		}

		@GetMapping("/mono")
		public Mono<String> mono() {
			return this.service.mono();
		}

		@GetMapping("/tiny")
		public Mono<String> tiny() throws InterruptedException {
			return this.service.tiny();
		}

		@GetMapping("/slow")
		public Mono<String> slow() throws InterruptedException {
			return this.service.slow();
		}

		@GetMapping("/block-on")
		public Mono<String> blockOn() {
			// A Mono that never completes: without the guard the event loop would hang here.
			return Mono.fromCallable(() -> this.bridge.blockOn(Mono.<String>never()));
		}

		@GetMapping("/guarded")
		public Mono<String> guarded() {
			return Mono.fromCallable(this.service::plain);
		}

	}

}
