package dev.bridge.test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.Events;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.bridge.GuardMode;
import dev.bridge.aspect.EventLoopGuard;
import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.ParallelSchedulerLoopSource;
import dev.bridge.eventloop.StallReport;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link NoEventLoopBlocking} in {@code @SpringBootTest}s on a real Netty server, driven
 * through JUnit's engine test kit so that failing tests can be asserted.
 */
class NoEventLoopBlockingSpringTests {

	@Test
	void testWhoseCallSleepsOnTheLoopFailsNamingTheHandlerMethod() {
		Events events = Examples.run(SleepOnLoopExample.class);
		events.assertStatistics((stats) -> stats.started(1).failed(1));
		String message = Examples.failureMessage(events);
		assertThat(message).startsWith("SleepOnLoopExample.callsAHandlerThatSleeps() blocked ")
			.contains("(@NoEventLoopBlocking, threshold 50ms)")
			.containsPattern("\\d\\) event loop '[\\w-]+' stalled for \\d+ ms \\(blocked\\), in java.lang.Thread.sleep")
			.endsWith("Move the blocking work off the loop with @Blocking or BlockingBridge.spawn(...).");
		// the frames start at the first application frame, the handler method below it
		List<String> lines = message.lines().toList();
		int episode = indexOfLineContaining(lines, "in java.lang.Thread.sleep");
		assertThat(lines.get(episode + 1)).startsWith("\tat dev.bridge.test.ExampleApp.sleep(ExampleApp.java:");
		assertThat(lines.get(episode + 2))
			.startsWith("\tat dev.bridge.test.ExampleApp$Handlers.sleepOnLoop(ExampleApp.java:");
	}

	@Test
	void testThatBlocksTwiceListsBothEpisodes() {
		Events events = Examples.run(SleepTwiceExample.class);
		events.assertStatistics((stats) -> stats.started(1).failed(1));
		String message = Examples.failureMessage(events);
		assertThat(message).contains("blocked event loops (@NoEventLoopBlocking, threshold 50ms)");
		assertThat(message.lines().filter((line) -> line.startsWith("\tat dev.bridge.test.ExampleApp$Handlers.sleepOnLoop(")))
			.hasSizeGreaterThanOrEqualTo(2);
	}

	private static int indexOfLineContaining(List<String> lines, String text) {
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).contains(text)) {
				return i;
			}
		}
		throw new AssertionError("no line contains '" + text + "' in " + lines);
	}

	@Test
	void testCallingABlockingRoutePasses() {
		Events events = Examples.run(BlockingRouteExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
		assertThat(BlockingRouteExample.threads).singleElement().asString().startsWith("bridge-default-");
	}

	@Test
	void blockShorterThanTheThresholdPasses() {
		Events events = Examples.run(ShortBlockExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	@Test
	void thresholdOfTheAnnotationIsTheWatchdogsWithoutStartupGrace() {
		Events events = Examples.run(LongThresholdExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
		assertThat(LongThresholdExample.watchdog).isNotNull();
		assertThat(LongThresholdExample.watchdog.getThreshold()).hasMillis(500);
		assertThat(LongThresholdExample.watchdog.getStartupGrace()).isZero();
	}

	@Test
	void annotationOnATestMethodSetsUpTheContext() {
		Events events = Examples.run(MethodLevelExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
		assertThat(MethodLevelExample.watchdog.getThreshold()).hasMillis(300);
		assertThat(MethodLevelExample.watchdog.getStartupGrace()).isZero();
		assertThat(MethodLevelExample.guardMode).isEqualTo(GuardMode.FAIL);
	}

	@Test
	void stallDuringContextStartupDoesNotFailTheFirstTest() {
		Events events = Examples.run(StartupStallExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
		// the stall was seen, and left out because it began before the test
		assertThat(StartupStallExample.reportsAtFirstTest).anySatisfy((report) -> {
			assertThat(report.kind()).isEqualTo(StallReport.Kind.LOOP_STALL);
			assertThat(report.thread()).startsWith("parallel-");
			assertThat(report.stack()).anyMatch((frame) -> frame.contains("StartupStallExample$StartupStall"));
		});
	}

	@Test
	void consecutiveTestsDoNotSeeEachOthersStalls() {
		Events events = Examples.run(ConsecutiveExample.class);
		events.assertStatistics((stats) -> stats.started(2).failed(1).succeeded(1));
		assertThat(Examples.failureMessage(events)).startsWith("ConsecutiveExample.first() blocked ")
			.contains("ExampleApp$Handlers.sleepOnLoop(");
	}

	@Test
	void guardModeIsFailInAnnotatedTests() {
		Events events = Examples.run(GuardModeExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
		assertThat(GuardModeExample.guardMode).isEqualTo(GuardMode.FAIL);
	}

	@Test
	void guardModeSetByTheTestItselfIsKept() {
		Events events = Examples.run(OwnGuardModeExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
		assertThat(OwnGuardModeExample.guardMode).isEqualTo(GuardMode.WARN);
	}

	@Test
	void contextWithoutWatchdogFailsNamingTheProperty() {
		Events events = Examples.run(NoWatchdogExample.class);
		events.assertStatistics((stats) -> stats.started(1).failed(1));
		assertThat(Examples.failureMessage(events)).isEqualTo("@NoEventLoopBlocking on "
				+ NoWatchdogExample.class.getName() + " needs Bridge's event-loop watchdog, but the application "
				+ "context has no EventLoopWatchdog bean: bridge.eventloop.watchdog.enabled=false or "
				+ "bridge.enabled=false turns it off, or Bridge's auto-configuration is not part of this context. "
				+ "Remove that setting for this test, or remove @NoEventLoopBlocking.");
	}

	@Test
	void thresholdThatIsNotADurationFailsNamingTheAnnotation() {
		Events events = Examples.runAll(BadThresholdExample.class);
		assertThat(Examples.failures(events)).singleElement()
			.extracting((failure) -> failure.getCause() != null ? failure.getCause() : failure)
			.asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.THROWABLE)
			.hasMessage("@NoEventLoopBlocking on " + BadThresholdExample.class.getName()
					+ " has threshold \"fast\", which is not a duration: write it like \"50ms\", \"200ms\" or \"PT0.1S\"");
	}

	@Test
	void inlineFormReturnsTheStallsOfTheContextsWatchdog() {
		Events events = Examples.run(InlineExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
		assertThat(InlineExample.stalls).anySatisfy((report) -> {
			assertThat(report.thread()).isEqualTo(InlineExample.loop);
			assertThat(report.stack()).anyMatch((frame) -> frame.contains("ExampleApp$Handlers.sleepOnLoop"));
		});
		assertThat(InlineExample.quiet).isEmpty();
	}

	/**
	 * The first call of a route in a fresh JVM loads classes on the loop, which a sample of
	 * its stack may show instead of the sleep.
	 */
	static void warmUp(WebTestClient client) {
		client.get().uri("/sleep-on-loop/1").exchange().expectStatus().isOk();
	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking
	static class SleepOnLoopExample {

		@Autowired
		WebTestClient client;

		@Test
		void callsAHandlerThatSleeps() {
			warmUp(this.client);
			this.client.get().uri("/sleep-on-loop/300").exchange().expectStatus().isOk();
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking
	static class SleepTwiceExample {

		@Autowired
		WebTestClient client;

		@Test
		void callsAHandlerThatSleepsTwice() {
			warmUp(this.client);
			this.client.get().uri("/sleep-on-loop/300").exchange().expectStatus().isOk();
			this.client.get().uri("/sleep-on-loop/300").exchange().expectStatus().isOk();
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking(threshold = "200ms")
	static class BlockingRouteExample {

		static final List<String> threads = new CopyOnWriteArrayList<>();

		@Autowired
		WebTestClient client;

		@Test
		void callsABlockingRoute() {
			threads.clear();
			this.client.get()
				.uri("/blocking/300")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(String.class)
				.value(threads::add);
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking(threshold = "50ms")
	static class ShortBlockExample {

		@Autowired
		WebTestClient client;

		@Test
		void blocksTheLoopFor20Millis() {
			warmUp(this.client);
			this.client.get().uri("/sleep-on-loop/20").exchange().expectStatus().isOk();
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking(threshold = "500ms")
	static class LongThresholdExample {

		static EventLoopWatchdog watchdog;

		@Autowired
		WebTestClient client;

		@Test
		void blocksTheLoopBelowTheThreshold(@Autowired EventLoopWatchdog watchdog) {
			LongThresholdExample.watchdog = watchdog;
			this.client.get().uri("/sleep-on-loop/200").exchange().expectStatus().isOk();
		}

	}

	@SpringBootTest(classes = ExampleApp.class)
	static class MethodLevelExample {

		static EventLoopWatchdog watchdog;

		static GuardMode guardMode;

		@Test
		@NoEventLoopBlocking(threshold = "300ms")
		void readsTheContext(@Autowired EventLoopWatchdog watchdog, @Autowired EventLoopGuard guard) {
			MethodLevelExample.watchdog = watchdog;
			MethodLevelExample.guardMode = guard.getMode();
		}

	}

	@SpringBootTest(classes = StartupStallExample.StartupStall.class)
	@NoEventLoopBlocking(threshold = "100ms")
	static class StartupStallExample {

		static List<StallReport> reportsAtFirstTest = List.of();

		@Test
		void firstTest(@Autowired EventLoopReports reports) {
			reportsAtFirstTest = reports.recentStalls();
		}

		@SpringBootConfiguration
		@EnableAutoConfiguration
		static class StartupStall {

			/**
			 * Blocks a parallel worker while the application starts, with the watchdog running.
			 */
			@Bean
			ApplicationRunner blockParallelWorker(EventLoopWatchdog watchdog) {
				return (args) -> {
					// once the watchdog knows the parallel loops' threads, so that the stall is reported in full
					Awaitility.await()
						.atMost(Duration.ofSeconds(30))
						.until(() -> watchdog.loops()
							.stream()
							.filter((loop) -> loop.group().equals(ParallelSchedulerLoopSource.GROUP))
							.count() == Schedulers.DEFAULT_POOL_SIZE);
					Mono.fromRunnable(StartupStall::warmUp).subscribeOn(Schedulers.parallel()).block();
				};
			}

			static void warmUp() {
				ExampleApp.sleep(300);
			}

		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking(threshold = "100ms")
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	static class ConsecutiveExample {

		@Autowired
		WebTestClient client;

		@Test
		@Order(1)
		void first() {
			warmUp(this.client);
			this.client.get().uri("/sleep-on-loop/300").exchange().expectStatus().isOk();
		}

		@Test
		@Order(2)
		void second() {
			this.client.get().uri("/quick").exchange().expectStatus().isOk();
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking(threshold = "1s")
	static class GuardModeExample {

		static GuardMode guardMode;

		@Autowired
		WebTestClient client;

		@Test
		void callsAGuardedMethodOnAParallelWorker(@Autowired EventLoopGuard guard) {
			guardMode = guard.getMode();
			this.client.get().uri("/guarded").exchange().expectStatus().is5xxServerError();
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "bridge.guard.mode=warn")
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking(threshold = "1s")
	static class OwnGuardModeExample {

		static GuardMode guardMode;

		@Autowired
		WebTestClient client;

		@Test
		void callsAGuardedMethodOnAParallelWorker(@Autowired EventLoopGuard guard) {
			guardMode = guard.getMode();
			this.client.get().uri("/guarded").exchange().expectStatus().isOk();
		}

	}

	@SpringBootTest(classes = ExampleApp.class, properties = "bridge.eventloop.watchdog.enabled=false")
	@NoEventLoopBlocking
	static class NoWatchdogExample {

		@Test
		void anything() {
		}

	}

	@SpringBootTest(classes = ExampleApp.class)
	@NoEventLoopBlocking(threshold = "fast")
	static class BadThresholdExample {

		@Test
		void anything() {
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "bridge.eventloop.watchdog.startup-grace=0s", "bridge.eventloop.watchdog.threshold=200ms",
					"bridge.eventloop.watchdog.interval=20ms" })
	@AutoConfigureWebTestClient(timeout = "10s")
	static class InlineExample {

		static List<StallReport> stalls = List.of();

		static List<StallReport> quiet = List.of();

		static String loop;

		@Autowired
		WebTestClient client;

		@Test
		void watchesABlockOfCode(@Autowired EventLoopWatchdog watchdog) {
			warmUp(this.client);
			stalls = EventLoopStalls.during(watchdog, () -> this.client.get()
				.uri("/sleep-on-loop/600")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(String.class)
				.value((thread) -> loop = thread));
			quiet = EventLoopStalls.during(watchdog,
					() -> this.client.get().uri("/quick").exchange().expectStatus().isOk());
		}

	}

}
