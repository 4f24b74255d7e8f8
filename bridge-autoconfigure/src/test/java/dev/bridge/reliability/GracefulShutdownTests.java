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
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import dev.bridge.BlockingBridge;
import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 2: with {@code server.shutdown=graceful}, closing the context while blocking
 * requests are held in their handlers stops the web server first: new requests are refused
 * while the held ones still run on open pools; once released they complete with 200, and only
 * then do the pools close. A task that outlives {@code bridge.shutdown.await-termination} is
 * interrupted and reported in the log with the count.
 */
@ExtendWith(OutputCaptureExtension.class)
class GracefulShutdownTests {

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(ReliabilityApp.class)
			.properties("server.port=0", "server.shutdown=graceful", "bridge.eventloop.watchdog.enabled=false",
					"bridge.pools.flood.max-threads=10", "bridge.pools.flood.queue-capacity=10",
					"bridge.pools.storm.max-threads=3", "bridge.pools.faults.max-threads=1",
					"bridge.pools.timed.max-threads=1", "bridge.pools.context.max-threads=1",
					"bridge.pools.cancel.max-threads=1")
			.properties(properties)
			.run();
	}

	/**
	 * A client with a connection per request, so that a request after the server stopped
	 * cannot reuse an open connection.
	 */
	private static WebClient client(ConfigurableApplicationContext context) {
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		HttpClient http = HttpClient.create(ConnectionProvider.newConnection()).responseTimeout(Duration.ofSeconds(20));
		return WebClient.builder()
			.baseUrl("http://localhost:" + port)
			.clientConnector(new ReactorClientHttpConnector(http))
			.build();
	}

	private static boolean refused(WebClient client) {
		return "refused".equals(client.get()
			.uri("/api/ping")
			.retrieve()
			.toEntity(String.class)
			.map((response) -> "answered " + response.getStatusCode())
			.onErrorResume((ex) -> Mono.just("refused"))
			.block(Duration.ofSeconds(10)));
	}

	@Test
	void serverRefusesNewRequestsWhileHeldOnesRunOnOpenPoolsThenTheyComplete() throws Exception {
		ConfigurableApplicationContext context = start("bridge.shutdown.await-termination=10s");
		WebClient client = client(context);
		BlockingBridge bridge = context.getBean(BlockingBridge.class);
		BlockingPool pool = bridge.pool("storm");
		ReliabilityApp.Legacy legacy = context.getBean(ReliabilityApp.Legacy.class);
		legacy.closeGate();
		CompletableFuture<List<ResponseEntity<String>>> held = Flux.range(0, 3)
			.flatMap((i) -> client.get().uri("/gated/{id}", i).retrieve().toEntity(String.class), 3)
			.collectList()
			.toFuture();
		Thread closer = new Thread(context::close, "closer");
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> pool.active() == 3);
			assertThat(refused(client)).as("answers before the close").isFalse();
			closer.start();
			await().atMost(Duration.ofSeconds(10)).until(() -> refused(client));
			assertThat(pool.active()).as("held handlers still run").isEqualTo(3);
			assertThat(pool.isClosed()).isFalse();
			assertThat(bridge.isClosed()).isFalse();
			assertThat(held).isNotDone();
		}
		finally {
			legacy.openGate();
		}
		assertThat(held.get(20, TimeUnit.SECONDS)).hasSize(3).allSatisfy((response) -> {
			assertThat(response.getStatusCode().value()).isEqualTo(200);
			assertThat(response.getBody()).startsWith("gated-");
		});
		closer.join(20_000);
		assertThat(context.isActive()).isFalse();
		assertThat(bridge.isClosed()).isTrue();
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
		assertThat(output).contains("Blocking pool 'storm' abandoned 1 task(s) after a drain of 200ms: 1 running "
				+ "(interrupted), 0 queued");
	}

}
