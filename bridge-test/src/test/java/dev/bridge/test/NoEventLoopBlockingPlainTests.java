package dev.bridge.test;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link NoEventLoopBlocking} in plain tests, without a Spring context: its own watchdog on
 * {@code Schedulers.parallel()} and Reactor Netty's global loops.
 */
class NoEventLoopBlockingPlainTests {

	@Test
	void plainTestThatBlocksAParallelWorkerFails() {
		Events events = Examples.run(ParallelBlockExample.class);
		events.assertStatistics((stats) -> stats.started(1).failed(1));
		assertThat(Examples.failureMessage(events))
			.startsWith("ParallelBlockExample.blocksAParallelWorker() blocked ")
			.containsPattern("\\d\\) event loop 'parallel-\\d+' stalled for \\d+ ms \\(blocked\\), in java.lang.Thread.sleep")
			.contains("\tat dev.bridge.test.ExampleApp.sleep(ExampleApp.java:")
			.contains("\tat dev.bridge.test.NoEventLoopBlockingPlainTests$ParallelBlockExample.lambda$blocksAParallelWorker$");
	}

	@Test
	void plainTestWithQuickParallelWorkPasses() {
		Events events = Examples.run(QuickParallelExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	@Test
	void thresholdOnTheMethodWins() {
		Events events = Examples.run(MethodThresholdExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	@Test
	void plainTestThatBlocksAReactorNettyServerLoopFails() {
		Events events = Examples.run(NettyServerExample.class);
		events.assertStatistics((stats) -> stats.started(1).failed(1));
		assertThat(Examples.failureMessage(events))
			.containsPattern("\\d\\) event loop 'reactor-http-[a-z]+-\\d+' stalled for \\d+ ms \\(blocked\\), in java.lang.Thread.sleep")
			.contains("\tat dev.bridge.test.NoEventLoopBlockingPlainTests$NettyServerExample.lambda$");
	}

	@Test
	void strictModeFailsOnAShortSleepOnALoop() {
		Events events = Examples.run(StrictExample.class);
		events.assertStatistics((stats) -> stats.started(1).failed(1));
		assertThat(Examples.failureMessage(events))
			.startsWith("StrictExample.sleepsBriefly() blocked an event loop (@NoEventLoopBlocking, threshold 50ms, strict), "
					+ "1 short blocking call from 1 place:")
			// JDK 25's sleep events start at the caller, JDK 17's at Thread.sleep
			.containsPattern("call 1\\) sleep on event loop 'parallel-\\d+', once, longest [\\d.]+ ms(, in java.lang.Thread.sleep)?\\R")
			.contains("\tat dev.bridge.test.ExampleApp.sleep(")
			.contains("\tat dev.bridge.test.NoEventLoopBlockingPlainTests$StrictExample.lambda$sleepsBriefly$");
	}

	@Test
	void withoutStrictModeAShortSleepPasses() {
		Events events = Examples.run(NotStrictExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	@Test
	void strictModeWithoutBlockingPasses() {
		Events events = Examples.run(StrictQuietExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	static void onParallelWorker(Runnable work) {
		Mono.fromRunnable(work).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(30));
	}

	@NoEventLoopBlocking
	static class ParallelBlockExample {

		@Test
		void blocksAParallelWorker() {
			onParallelWorker(() -> ExampleApp.sleep(1));
			onParallelWorker(() -> ExampleApp.sleep(300));
		}

	}

	@NoEventLoopBlocking
	static class QuickParallelExample {

		@Test
		void computesOnAParallelWorker() {
			onParallelWorker(() -> Math.addExact(1, 2));
		}

	}

	static class MethodThresholdExample {

		@Test
		@NoEventLoopBlocking(threshold = "2s")
		void blocksAParallelWorkerBelowTheThreshold() {
			onParallelWorker(() -> ExampleApp.sleep(300));
		}

	}

	@NoEventLoopBlocking
	static class NettyServerExample {

		@Test
		void callsAServerWhoseHandlerSleeps() {
			DisposableServer server = HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.handle((request, response) -> {
					ExampleApp.sleep(300);
					return response.sendString(Mono.just("slept"));
				})
				.bindNow();
			try {
				HttpClient client = HttpClient.create().baseUrl("http://127.0.0.1:" + server.port());
				client.get().uri("/").responseContent().aggregate().asString().block(Duration.ofSeconds(30));
				client.get().uri("/").responseContent().aggregate().asString().block(Duration.ofSeconds(30));
			}
			finally {
				server.disposeNow();
			}
		}

	}

	@NoEventLoopBlocking(strict = true)
	static class StrictExample {

		@Test
		void sleepsBriefly() {
			onParallelWorker(() -> ExampleApp.sleep(5));
		}

	}

	@NoEventLoopBlocking
	static class NotStrictExample {

		@Test
		void sleepsBriefly() {
			onParallelWorker(() -> ExampleApp.sleep(5));
		}

	}

	@NoEventLoopBlocking(strict = true)
	static class StrictQuietExample {

		@Test
		void computesOnAParallelWorker() {
			onParallelWorker(() -> Math.addExact(1, 2));
		}

	}

}
