package dev.bridge.test;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

import dev.bridge.eventloop.BridgeBlockHoundIntegration;
import reactor.blockhound.BlockHound;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link NoEventLoopBlocking} in plain tests with BlockHound installed with Bridge's
 * integration: a blocking call on a loop far too short for the watchdog fails the test.
 * BlockHound instruments the whole JVM, so these tests run in a JVM of their own (see the
 * surefire executions).
 */
class BlockHoundPlainTests {

	@BeforeAll
	static void installBlockHoundWithBridgesIntegration() {
		// once per JVM: a Spring test of this JVM may have installed it already
		if (!BridgeBlockHoundIntegration.isApplied()) {
			BlockHound.install(new BridgeBlockHoundIntegration());
		}
		assertThat(BridgeBlockHoundIntegration.isApplied()).isTrue();
	}

	@Test
	void shortSleepOnAParallelWorkerFailsNamingTheLoopAndTheCall() {
		Events events = Examples.run(ShortSleepExample.class);
		events.assertStatistics((stats) -> stats.started(1).failed(1));
		assertThat(Examples.failureMessage(events))
			.startsWith("ShortSleepExample.sleepsBrieflyOnAParallelWorker() blocked ")
			.contains("(@NoEventLoopBlocking, threshold 50ms)")
			// JDK 17 names java.lang.Thread.sleep, JDK 25 java.lang.Thread.sleepNanos0
			.containsPattern("\\d\\) blocking call on event loop 'parallel-\\d+', caught by BlockHound, "
					+ "in java.lang.Thread.sleep")
			.contains("\tat dev.bridge.test.ExampleApp.sleep(ExampleApp.java:")
			.contains("\tat dev.bridge.test.BlockHoundPlainTests$ShortSleepExample.lambda$sleepsBrieflyOnAParallelWorker$");
	}

	@Test
	void parallelWorkWithoutBlockingCallPasses() {
		Events events = Examples.run(QuickParallelExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	@Test
	void shortSleepOffTheLoopsPasses() {
		Events events = Examples.run(SleepOffTheLoopsExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	static void onParallelWorker(Runnable work) {
		Mono.fromRunnable(work).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(30));
	}

	@NoEventLoopBlocking
	static class ShortSleepExample {

		@Test
		void sleepsBrieflyOnAParallelWorker() {
			// far under the threshold: only BlockHound sees it
			onParallelWorker(() -> ExampleApp.sleep(5));
		}

	}

	@NoEventLoopBlocking
	static class QuickParallelExample {

		@Test
		void computesOnAParallelWorker() {
			onParallelWorker(() -> Math.addExact(1, 2));
		}

	}

	@NoEventLoopBlocking
	static class SleepOffTheLoopsExample {

		@Test
		void sleepsBrieflyOnABoundedElasticWorker() {
			Mono.fromRunnable(() -> ExampleApp.sleep(5))
				.subscribeOn(Schedulers.boundedElastic())
				.block(Duration.ofSeconds(30));
		}

	}

}
