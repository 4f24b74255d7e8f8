package dev.bridge.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import dev.bridge.pool.BlockingPool;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code @Blocking} controller handler takes one pool slot per request, a refused one is a
 * quiet 503 counted once, the queue slot of a request whose client left is given to the next
 * one, and a running handler is not interrupted when its client leaves.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "bridge.pools.default.max-threads=1", "bridge.pools.default.queue-capacity=1",
				"bridge.eventloop.watchdog.enabled=false" })
@ExtendWith(OutputCaptureExtension.class)
class WebFluxPoolSlotTests {

	@LocalServerPort
	private int port;

	@Autowired
	private Handlers handlers;

	@Autowired
	private BlockingBridge bridge;

	@Autowired
	private MeterRegistry meters;

	@AfterEach
	void release() {
		this.handlers.release();
	}

	private CompletableFuture<ResponseEntity<String>> get(String path) {
		return WebClient.create("http://localhost:" + this.port)
			.get()
			.uri(path)
			.exchangeToMono((response) -> response.toEntity(String.class))
			.toFuture();
	}

	@Test
	void oneRequestUsesOneSlotAndARefusalIsAQuiet503(CapturedOutput output) throws Exception {
		assertThat(get("/quick").get(10, TimeUnit.SECONDS).getBody()).startsWith("bridge-default-");
		this.handlers.arm();
		CompletableFuture<ResponseEntity<String>> holder = get("/hold");
		assertThat(this.handlers.awaitStarted()).isTrue();
		CompletableFuture<ResponseEntity<String>> queued = get("/quick");
		BlockingPool pool = this.bridge.pool("default");
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.queued() == 1);
		ResponseEntity<String> refused = get("/quick").get(10, TimeUnit.SECONDS);
		assertThat(refused.getStatusCode().value()).isEqualTo(503);
		assertThat(refused.getHeaders().getFirst("Retry-After")).isEqualTo("1");
		assertThat(output).doesNotContain("Exception in thread");
		this.handlers.release();
		assertThat(holder.get(10, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(200);
		assertThat(queued.get(10, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(200);
	}

	@Test
	void handlerRunsOnTheSubscribingPoolThreadAfterTheSubscriptionTaskNotNestedInIt() throws Exception {
		// One slot per request is oneRequestUsesOneSlotAndARefusalIsAQuiet503's; here, the
		// handler's stack: a virtual thread copies it to the heap each time the body parks.
		String where = get("/where").get(10, TimeUnit.SECONDS).getBody();
		assertThat(where).startsWith("bridge-default-").endsWith(" flat");
	}

	@Test
	void handlerThatHandsWorkToItsOwnExecutorAndWaitsGetsItRunInPlace() throws Exception {
		ResponseEntity<String> response = get("/hand-over").get(10, TimeUnit.SECONDS);
		assertThat(response.getStatusCode().value()).isEqualTo(200);
		assertThat(response.getBody()).startsWith("bridge-default-");
	}

	@Test
	void everyRefusedRequestIsCountedOnce() throws Exception {
		BlockingPool pool = this.bridge.pool("default");
		this.handlers.arm();
		CompletableFuture<ResponseEntity<String>> holder = get("/hold");
		assertThat(this.handlers.awaitStarted()).isTrue();
		CompletableFuture<ResponseEntity<String>> queued = get("/quick");
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.queued() == 1);
		long rejectedBefore = pool.rejectedCount();
		double meterBefore = rejectedMeter();
		List<ResponseEntity<String>> refused = Flux.range(0, 30)
			.flatMap((i) -> Mono.fromFuture(() -> get("/quick")), 10)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(refused).hasSize(30).allSatisfy((response) -> assertThat(response.getStatusCode().value())
			.isEqualTo(503));
		assertThat(pool.rejectedCount() - rejectedBefore).isEqualTo(30);
		assertThat(rejectedMeter() - meterBefore).isEqualTo(30);
		this.handlers.release();
		assertThat(holder.get(10, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(200);
		assertThat(queued.get(10, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(200);
	}

	private double rejectedMeter() {
		return this.meters.get("bridge.pool.rejected").tag("pool", "default").functionCounter().count();
	}

	@Test
	void runningHandlerIsNotInterruptedWhenItsClientLeaves() throws Exception {
		this.handlers.arm();
		Disposable leaving = WebClient.create("http://localhost:" + this.port).get().uri("/work").retrieve()
			.bodyToMono(String.class).subscribe();
		assertThat(this.handlers.awaitStarted()).isTrue();
		leaving.dispose();
		assertThat(this.handlers.awaitFinished()).isTrue();
		assertThat(this.handlers.wasInterrupted()).isFalse();
	}

	@Test
	void queuedRequestWhoseClientLeftGivesUpItsSlot() throws Exception {
		BlockingPool pool = this.bridge.pool("default");
		this.handlers.arm();
		CompletableFuture<ResponseEntity<String>> holder = get("/hold");
		assertThat(this.handlers.awaitStarted()).isTrue();
		Disposable leaving = WebClient.create("http://localhost:" + this.port).get().uri("/quick").retrieve()
			.bodyToMono(String.class).subscribe();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.queued() == 1);
		long cancelledBefore = pool.cancelledCount();
		leaving.dispose();
		// The server notices the disconnect asynchronously: until it has, a new request finds
		// the queue full (503); once it has, the new request takes the left request's slot.
		List<CompletableFuture<ResponseEntity<String>>> attempts = new CopyOnWriteArrayList<>();
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
			if (attempts.isEmpty() || attempts.get(attempts.size() - 1).isDone()) {
				attempts.add(get("/quick"));
			}
			return pool.cancelledCount() == cancelledBefore + 1;
		});
		CompletableFuture<ResponseEntity<String>> next = attempts.get(attempts.size() - 1);
		this.handlers.release();
		assertThat(next.get(10, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(200);
		assertThat(holder.get(10, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(200);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(Handlers.class)
	static class App {

	}

	@RestController
	static class Handlers {

		/** The task WebFlux's first hand-off runs: it subscribes the request's chain on the pool. */
		static final String SUBSCRIPTION_TASK = "reactor.core.publisher.MonoSubscribeOn";

		volatile CountDownLatch started = new CountDownLatch(1);

		volatile CountDownLatch gate = new CountDownLatch(0);

		// Called through the CGLIB proxy the test holds, whose own fields are never set.
		public boolean awaitStarted() throws InterruptedException {
			return this.started.await(10, TimeUnit.SECONDS);
		}

		public void arm() {
			this.started = new CountDownLatch(1);
			this.gate = new CountDownLatch(1);
		}

		public void release() {
			this.gate.countDown();
		}

		volatile CountDownLatch finished = new CountDownLatch(1);

		volatile boolean interrupted;

		public boolean awaitFinished() throws InterruptedException {
			return this.finished.await(10, TimeUnit.SECONDS);
		}

		public boolean wasInterrupted() {
			return this.interrupted;
		}

		/**
		 * Blocks for a while (the blocking work under test), long after its client left.
		 */
		@Blocking
		@GetMapping("/work")
		public String work() {
			this.finished = new CountDownLatch(1);
			this.interrupted = false;
			this.started.countDown();
			try {
				Thread.sleep(1500);
			}
			catch (InterruptedException ex) {
				this.interrupted = true;
			}
			finally {
				this.finished.countDown();
			}
			return "worked";
		}

		@Blocking
		@GetMapping("/hold")
		public String hold() throws InterruptedException {
			this.started.countDown();
			this.gate.await(10, TimeUnit.SECONDS);
			return Thread.currentThread().getName();
		}

		/**
		 * Where the handler runs: its thread, and whether WebFlux's subscription task (the
		 * first hand-off to the pool) is still on the stack below it.
		 */
		@Blocking
		@GetMapping("/where")
		public String where() {
			boolean nested = StackWalker.getInstance()
				.walk((frames) -> frames.anyMatch((frame) -> frame.getClassName().startsWith(SUBSCRIPTION_TASK)
						|| (frame.getClassName().equals(PoolTaskExecutor.class.getName())
								&& frame.getMethodName().equals("execute"))));
			return Thread.currentThread().getName() + (nested ? " nested" : " flat");
		}

		@Autowired
		private ObjectProvider<BlockingWebFluxConfigurer> webFlux;

		/**
		 * Hands work to the executor WebFlux runs handlers on, and waits for it: on a pool of
		 * one thread, that work can only run in place.
		 */
		@Blocking
		@GetMapping("/hand-over")
		public String handOver() throws Exception {
			return this.webFlux.getObject()
				.executor()
				.submit(() -> Thread.currentThread().getName())
				.get(5, TimeUnit.SECONDS);
		}

		@Blocking
		@GetMapping("/quick")
		public String quick() {
			return Thread.currentThread().getName();
		}

	}

}
