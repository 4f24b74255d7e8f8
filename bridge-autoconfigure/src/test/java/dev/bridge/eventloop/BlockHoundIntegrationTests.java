package dev.bridge.eventloop;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.bridge.BlockingBridge;
import dev.bridge.autoconfigure.BridgeAutoConfiguration;
import dev.bridge.autoconfigure.BridgeEventLoopAutoConfiguration;
import dev.bridge.autoconfigure.BridgeMetricsAutoConfiguration;
import dev.bridge.eventloop.StallReport.Kind;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * BlockHound installed by {@code bridge.blockhound.enabled=true}. BlockHound instruments the
 * whole JVM, so these tests run in a JVM of their own (see the surefire executions).
 */
class BlockHoundIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BridgeAutoConfiguration.class, BridgeEventLoopAutoConfiguration.class,
				MetricsAutoConfiguration.class, BridgeMetricsAutoConfiguration.class))
		.withBean(SimpleMeterRegistry.class)
		.withPropertyValues("bridge.blockhound.enabled=true", "bridge.eventloop.watchdog.enabled=false",
				"management.metrics.use-global-registry=false");

	@BeforeAll
	static void needsTheRedefinitionFlag() {
		assumeTrue(ManagementFactory.getRuntimeMXBean().getInputArguments().contains(BlockHoundReporter.REDEFINITION_FLAG),
				"BlockHound needs " + BlockHoundReporter.REDEFINITION_FLAG + " on this JVM");
	}

	@Test
	void blockHoundIsInstalledWithBridgesIntegration() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(BlockHoundReporter.class);
			assertThat(context.getBean(BlockHoundReporter.class).isActive()).isTrue();
			assertThat(BridgeBlockHoundIntegration.isApplied()).isTrue();
		});
	}

	@Test
	void blockingCallOnAnEventLoopIsReportedInsteadOfThrown() {
		this.contextRunner.run((context) -> {
			EventLoopReports reports = context.getBean(EventLoopReports.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			long before = reports.blockingCalls();
			String result = Mono.delay(Duration.ofMillis(1), Schedulers.parallel())
				.map((tick) -> sleepOnTheParallelScheduler())
				.block(TIMEOUT);
			assertThat(result).isEqualTo("slept");
			assertThat(reports.blockingCalls()).isEqualTo(before + 1);
			assertThat(registry.get("bridge.eventloop.blocking.calls").functionCounter().count()).isEqualTo(before + 1);
			assertThat(context.getBean(EventLoopMonitor.class).blockingCalls()).isEqualTo(before + 1);
			StallReport report = reports.recentStalls().get(0);
			assertThat(report.kind()).isEqualTo(Kind.BLOCKING_CALL);
			assertThat(report.cause()).isEqualTo(StallCause.BLOCKED);
			assertThat(report.thread()).startsWith("parallel-");
			assertThat(report.stack()).first().asString().contains("java.lang.Thread.sleep");
			assertThat(report.stack()).anyMatch((frame) -> frame.contains(".sleepOnTheParallelScheduler("))
				.noneMatch((frame) -> frame.contains("BridgeBlockHoundIntegration"));
		});
	}

	@Test
	void bridgePoolThreadsMayBlock() {
		this.contextRunner.run((context) -> {
			EventLoopReports reports = context.getBean(EventLoopReports.class);
			BlockingBridge bridge = context.getBean(BlockingBridge.class);
			long before = reports.blockingCalls();
			assertThat(bridge.spawn(BlockHoundIntegrationTests::sleepOnThePool).block(TIMEOUT))
				.startsWith("bridge-default-");
			assertThat(reports.blockingCalls()).isEqualTo(before);
		});
	}

	@Test
	void threadsAreAllowedToBlockByTheirBridgeName() throws Exception {
		this.contextRunner.run((context) -> {
			EventLoopReports reports = context.getBean(EventLoopReports.class);
			long before = reports.blockingCalls();
			sleepOn(new LoopLikeThread("bridge-lookalike-1"));
			assertThat(reports.blockingCalls()).isEqualTo(before);
			sleepOn(new LoopLikeThread("lookalike-loop-1"));
			assertThat(reports.blockingCalls()).isEqualTo(before + 1);
			assertThat(reports.recentStalls().get(0).thread()).isEqualTo("lookalike-loop-1");
		});
	}

	@Test
	void watchdogProbesAreNotBlockingCalls() {
		this.contextRunner
			.withPropertyValues("bridge.eventloop.watchdog.enabled=true", "bridge.eventloop.watchdog.interval=10ms",
					"bridge.eventloop.watchdog.startup-grace=0s")
			.run((context) -> {
				EventLoopWatchdog watchdog = context.getBean(EventLoopWatchdog.class);
				EventLoopReports reports = context.getBean(EventLoopReports.class);
				long before = reports.blockingCalls();
				await().atMost(TIMEOUT).until(() -> watchdog.loops().size() >= 2 && watchdog.rounds() >= 20);
				assertThat(reports.blockingCalls()).isEqualTo(before);
			});
	}

	@Test
	void closedContextNoLongerReceivesReports() {
		AtomicReference<@Nullable EventLoopReports> closed = new AtomicReference<>();
		this.contextRunner.run((context) -> closed.set(context.getBean(EventLoopReports.class)));
		EventLoopReports reports = closed.get();
		assertThat(reports).isNotNull();
		long before = reports.blockingCalls();
		assertThat(Mono.fromCallable(BlockHoundIntegrationTests::sleepOnTheParallelScheduler)
			.subscribeOn(Schedulers.parallel())
			.block(TIMEOUT)).isEqualTo("slept");
		assertThat(reports.blockingCalls()).isEqualTo(before);
	}

	private static String sleepOnTheParallelScheduler() {
		sleep();
		return "slept";
	}

	private static String sleepOnThePool() {
		sleep();
		return Thread.currentThread().getName();
	}

	private static void sleepOn(Thread thread) throws InterruptedException {
		thread.start();
		thread.join(TIMEOUT.toMillis());
		assertThat(thread.isAlive()).isFalse();
	}

	private static void sleep() {
		try {
			// the blocking call BlockHound is to catch, not a wait for anything
			Thread.sleep(1);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A thread that Reactor (and BlockHound) take for an event loop.
	 */
	private static final class LoopLikeThread extends Thread implements NonBlocking {

		LoopLikeThread(String name) {
			super(BlockHoundIntegrationTests::sleep, name);
		}

	}

}
