package dev.bridge.reliability;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import dev.bridge.BlockingBridge;
import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 2: with {@code server.shutdown=graceful}, closing the context while 10 blocking
 * requests are in flight lets all 10 complete with 200; requests after close are refused;
 * a task that outlives {@code bridge.shutdown.await-termination} is interrupted and reported
 * in the log with the count.
 */
@ExtendWith(OutputCaptureExtension.class)
class GracefulShutdownTests {

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(ReliabilityApp.class)
			.properties("server.port=0", "server.shutdown=graceful", "bridge.eventloop.watchdog.enabled=false",
					"bridge.pools.flood.max-threads=10", "bridge.pools.flood.queue-capacity=10",
					"bridge.pools.storm.max-threads=1", "bridge.pools.faults.max-threads=1",
					"bridge.pools.timed.max-threads=1", "bridge.pools.context.max-threads=1")
			.properties(properties)
			.run();
	}

	private static WebClient client(ConfigurableApplicationContext context) {
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		return WebClient.create("http://localhost:" + port);
	}

	@Test
	void inFlightBlockingRequestsCompleteAndLaterOnesAreRefused() throws Exception {
		ConfigurableApplicationContext context = start("bridge.shutdown.await-termination=10s");
		WebClient client = client(context);
		BlockingPool pool = context.getBean(BlockingBridge.class).pool("flood");
		CompletableFuture<List<ResponseEntity<String>>> inFlight = Flux.range(0, 10)
			.flatMap((i) -> client.get().uri("/slow/{id}?millis=500", i).retrieve().toEntity(String.class), 10)
			.collectList()
			.toFuture();
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.active() == 10);
		Thread closer = new Thread(context::close, "closer");
		closer.start();
		List<ResponseEntity<String>> responses = inFlight.get(20, TimeUnit.SECONDS);
		assertThat(responses).hasSize(10).allSatisfy((response) -> {
			assertThat(response.getStatusCode().value()).isEqualTo(200);
			assertThat(response.getBody()).startsWith("done-");
		});
		closer.join(20_000);
		assertThat(context.isActive()).isFalse();
		assertThat(client.get().uri("/api/ping").retrieve().toEntity(String.class)
			.map((response) -> "answered " + response.getStatusCode())
			.onErrorResume((ex) -> Mono.just("refused"))
			.block(Duration.ofSeconds(10))).isEqualTo("refused");
		assertThat(pool.abandonedCount()).isZero();
	}

	@Test
	void taskOutlivingTheDrainPeriodIsInterruptedAndCounted(CapturedOutput output) throws Exception {
		ConfigurableApplicationContext context = start("bridge.shutdown.await-termination=200ms");
		BlockingBridge bridge = context.getBean(BlockingBridge.class);
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		bridge.spawn("storm", () -> {
			started.countDown();
			try {
				new CountDownLatch(1).await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
			return "stuck";
		}).subscribe();
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		context.close();
		assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(bridge.pool("storm").abandonedCount()).isEqualTo(1);
		assertThat(output).contains("Blocking pool 'storm' abandoned 1 task(s) after a drain of PT0.2S: 1 running "
				+ "(interrupted), 0 queued");
	}

}
