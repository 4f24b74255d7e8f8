package dev.bridge.eventloop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.ClosingBridges;
import dev.bridge.actuate.BridgeHealthIndicator;
import dev.bridge.eventloop.StallReport.Kind;
import dev.bridge.metrics.EventLoopMetrics;
import dev.bridge.eventloop.TestLoops.FakeClock;
import dev.bridge.eventloop.TestLoops.FixedMachine;
import dev.bridge.eventloop.TestLoops.ManualLoop;
import reactor.core.Disposable;
import reactor.core.Scannable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import static dev.bridge.eventloop.TestLoops.flush;
import static dev.bridge.eventloop.TestLoops.loopThread;
import static dev.bridge.eventloop.TestLoops.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EventLoopWatchdog}, driven round by round on a clock the test moves.
 */
@ExtendWith(OutputCaptureExtension.class)
class EventLoopWatchdogTests {

	private static final Duration INTERVAL = Duration.ofMillis(50);

	private static final Duration THRESHOLD = Duration.ofMillis(100);

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private final FakeClock clock = new FakeClock();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final EventLoopReports reports = new EventLoopReports(TestLoops.WALL, this.clock);

	private final FixedMachine machine = new FixedMachine();

	private final List<Disposable> cleanup = new ArrayList<>();

	private final List<ExecutorService> loops = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		this.cleanup.forEach(Disposable::dispose);
		this.loops.forEach(ExecutorService::shutdownNow);
	}

	@Test
	void stallIsReportedOnceWithTheStackOfTheBlockedLoop(CapturedOutput output) throws Exception {
		ExecutorService loop = loop("test-loop-1");
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		flush(loop);
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		loop.execute(() -> blockTheLoop(entered, release));
		assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
		tick(watchdog, 100);
		tick(watchdog, 150);
		assertThat(this.reports.recentStalls()).isEmpty();
		tick(watchdog, 230);
		tick(watchdog, 280);
		assertThat(this.reports.stalls()).isEqualTo(1);
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.thread()).isEqualTo("test-loop-1");
		assertThat(report.ended()).isFalse();
		assertThat(report.duration()).isEqualTo(Duration.ofMillis(180));
		// reported at 230, 130 ms after the probe was posted
		assertThat(report.startedAt()).isEqualTo(TestLoops.WALL.instant().minusMillis(130));
		assertThat(report.stack()).anyMatch((frame) -> frame.contains("blockTheLoop"));
		assertThat(watchdog.currentStallSeconds()).isEqualTo(0.18);
		assertThat(this.registry.get("bridge.eventloop.stall").gauge().value()).isEqualTo(0.18);
		assertThat(health(watchdog).getDetails()).containsKey("warnings");
		assertThat(this.registry.get("bridge.eventloop.stalls").tag("cause", "blocked").functionCounter().count()).isEqualTo(1);
		assertThat(watchdog.loops()).singleElement().satisfies((stats) -> {
			assertThat(stats.thread()).isEqualTo("test-loop-1");
			assertThat(stats.group()).isEqualTo("test");
			assertThat(stats.stalls()).isEqualTo(1);
			assertThat(stats.stalledFor()).isEqualTo(Duration.ofMillis(180));
		});
		this.clock.setMillis(300);
		release.countDown();
		flush(loop);
		tick(watchdog, 350);
		report = singleReport(Kind.LOOP_STALL);
		assertThat(report.ended()).isTrue();
		assertThat(report.duration()).isEqualTo(Duration.ofMillis(200));
		assertThat(watchdog.currentStallSeconds()).isZero();
		assertThat(this.registry.get("bridge.eventloop.stall").gauge().value()).isZero();
		assertThat(watchdog.loops()).singleElement().satisfies((stats) -> {
			assertThat(stats.lastDelay()).isEqualTo(Duration.ofMillis(200));
			assertThat(stats.maxDelay()).isEqualTo(Duration.ofMillis(200));
			assertThat(stats.stalledFor()).isZero();
		});
		assertThat(this.registry.get("bridge.eventloop.delay").tag("group", "test").timer().count()).isEqualTo(2);
		assertThat(report.cause()).isEqualTo(StallCause.BLOCKED);
		assertThat(output).containsOnlyOnce("Event loop thread 'test-loop-1' has been blocked for 130 ms "
				+ "(bridge.eventloop.watchdog.threshold=100ms)");
		assertThat(output).containsOnlyOnce("Event loop thread 'test-loop-1' is running again after a stall of 200 ms.");
		assertThat(output).contains("blockTheLoop");
	}

	@Test
	void shortStallBetweenRoundsIsReportedAfterTheFactWithoutStack(CapturedOutput output) {
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		tick(watchdog, 100);
		this.clock.setMillis(170);
		loop.runAll();
		tick(watchdog, 180);
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.ended()).isTrue();
		assertThat(report.duration()).isEqualTo(Duration.ofMillis(120));
		assertThat(report.stack()).isEmpty();
		assertThat(this.reports.stalls()).isEqualTo(1);
		assertThat(report.cause()).isEqualTo(StallCause.BLOCKED);
		assertThat(output).containsOnlyOnce("was stalled for 120 ms (blocked, ");
		assertThat(output).contains("but ran again before the watchdog could sample it, so no stack is known. "
				+ "Lower bridge.eventloop.watchdog.interval (now 50ms)");
		assertThat(output).doesNotContain("WARN");
	}

	@Test
	void probeDelayBelowThresholdIsNotAStall() {
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		this.clock.setMillis(149);
		loop.runAll();
		tick(watchdog, 150);
		assertThat(this.reports.recentStalls()).isEmpty();
		assertThat(watchdog.loops()).singleElement()
			.satisfies((stats) -> assertThat(stats.lastDelay()).isEqualTo(Duration.ofMillis(99)));
	}

	@Test
	void jvmPauseIsReportedAsSuchAndNotBlamedOnTheLoops(CapturedOutput output) {
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		// the watchdog planned to wake at 100 and woke at 350: everything was paused
		this.clock.setMillis(350);
		watchdog.tick(TimeUnit.MILLISECONDS.toNanos(350), TimeUnit.MILLISECONDS.toNanos(250));
		assertThat(watchdog.currentStallSeconds()).isZero();
		this.clock.setMillis(360);
		loop.runAll();
		tick(watchdog, 400);
		assertThat(this.reports.stalls()).isZero();
		assertThat(this.reports.jvmPauses()).isEqualTo(1);
		StallReport pause = singleReport(Kind.JVM_PAUSE);
		assertThat(pause.thread()).isNull();
		assertThat(pause.duration()).isEqualTo(Duration.ofMillis(250));
		assertThat(pause.ended()).isTrue();
		assertThat(this.reports.recentStalls()).extracting(StallReport::kind).containsExactly(Kind.JVM_PAUSE);
		assertThat(pause.cause()).isEqualTo(StallCause.JVM_PAUSE);
		assertThat(output).containsOnlyOnce("The JVM paused for about 250 ms: the event-loop watchdog thread "
				+ "'bridge-watchdog' woke up that late");
	}

	@Test
	void pendingProbeIsJudgedWhenItReachesTheThresholdNotAtTheNextRound() throws Exception {
		ExecutorService loop = loop("test-loop-1");
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		flush(loop);
		tick(watchdog, 100);
		flush(loop);
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		loop.execute(() -> blockTheLoop(entered, release));
		assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
		// posted at 130, still pending at 185: the next round would come at 235, but the probe
		// is 100 ms old at 230, which brings that round forward
		tick(watchdog, 130);
		tick(watchdog, 185);
		assertThat(watchdog.due()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(230));
		tick(watchdog, 229);
		assertThat(this.reports.recentStalls()).isEmpty();
		tick(watchdog, 230);
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.cause()).isEqualTo(StallCause.BLOCKED);
		assertThat(report.duration()).isEqualTo(THRESHOLD);
		assertThat(report.stack()).anyMatch((frame) -> frame.contains("blockTheLoop"));
		// reported: nothing brings the next round forward
		assertThat(watchdog.due()).isEqualTo(Long.MAX_VALUE);
		release.countDown();
	}

	@Test
	void watchdogLateBecauseOfGarbageCollectionIsAJvmPauseEvenOnABusyMachine() {
		this.machine.runnable = 8;
		this.machine.cpuLoad = 1.0;
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", new ManualLoop()));
		watchdog.begin();
		tick(watchdog, 50);
		this.machine.gcPauseMillis = 240;
		this.clock.setMillis(350);
		watchdog.tick(TimeUnit.MILLISECONDS.toNanos(350), TimeUnit.MILLISECONDS.toNanos(250));
		StallReport pause = singleReport(Kind.JVM_PAUSE);
		assertThat(pause.cause()).isEqualTo(StallCause.JVM_PAUSE);
		assertThat(pause.evidence()).contains("garbage-collection pauses 240 ms");
	}

	@Test
	void watchdogLateOnAnOverloadedMachineIsStarvedNotAPause(CapturedOutput output) {
		this.machine.runnable = 9;
		this.machine.cpuLoad = 1.0;
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", new ManualLoop()));
		watchdog.begin();
		tick(watchdog, 50);
		this.clock.setMillis(350);
		watchdog.tick(TimeUnit.MILLISECONDS.toNanos(350), TimeUnit.MILLISECONDS.toNanos(250));
		assertThat(this.reports.jvmPauses()).isZero();
		assertThat(this.reports.stalls(StallCause.STARVED)).isEqualTo(1);
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.cause()).isEqualTo(StallCause.STARVED);
		assertThat(report.thread()).isEqualTo(EventLoopWatchdog.THREAD_NAME);
		assertThat(report.stack()).isEmpty();
		assertThat(output).contains("The event-loop watchdog thread 'bridge-watchdog' woke up 250 ms late because it got no CPU")
			.contains("9 runnable threads on 2 cores")
			.doesNotContain("The JVM paused");
	}

	@Test
	void idleLoopThatGetsNoCpuIsStarvedAndLeavesGaugeAndHealthAlone(CapturedOutput output) throws Exception {
		this.machine.runnable = 7;
		this.machine.cpuLoad = 1.0;
		ManualLoop loop = new ManualLoop();
		ExecutorService idle = loop("idle-loop-1");
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		// the probe runs once on a real thread, which then waits for work and is never given the next one
		Thread[] thread = new Thread[1];
		idle.submit(() -> {
			thread[0] = Thread.currentThread();
			loop.runAll();
		}).get(5, TimeUnit.SECONDS);
		await().until(() -> thread[0].getState() == Thread.State.WAITING);
		tick(watchdog, 100);
		tick(watchdog, 150);
		tick(watchdog, 230);
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.cause()).isEqualTo(StallCause.STARVED);
		assertThat(report.thread()).isEqualTo("idle-loop-1");
		assertThat(report.stack()).isEmpty();
		assertThat(report.culprit()).isEmpty();
		assertThat(report.evidence()).contains("idle").contains("7 runnable threads on 2 cores");
		assertThat(watchdog.currentStallSeconds()).isZero();
		assertThat(watchdog.loops()).singleElement().satisfies((stats) -> {
			assertThat(stats.stalls()).isEqualTo(1);
			assertThat(stats.stalledFor()).isZero();
		});
		assertThat(this.registry.get("bridge.eventloop.stall").gauge().value()).isZero();
		assertThat(health(watchdog).getDetails()).doesNotContainKey("warnings");
		assertThat(this.registry.get("bridge.eventloop.stalls").tag("cause", "starved").functionCounter().count())
			.isEqualTo(1);
		assertThat(this.registry.get("bridge.eventloop.stalls").tag("cause", "blocked").functionCounter().count())
			.isZero();
		assertThat(output).contains("did not run for 130 ms because it got no CPU (it was idle, waiting for work)")
			.doesNotContain("has been blocked")
			.doesNotContain("\tat ");
	}

	@Test
	void loopThatHasNotRunItsFirstProbeOnAnOverloadedMachineIsStarvedNotBlocked(CapturedOutput output) {
		this.machine.runnable = 8;
		this.machine.cpuLoad = 0.98;
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		tick(watchdog, 100);
		tick(watchdog, 160);
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.cause()).isEqualTo(StallCause.STARVED);
		assertThat(report.stack()).isEmpty();
		assertThat(report.culprit()).isEmpty();
		assertThat(report.evidence()).contains("the thread has not run a probe yet")
			.contains("8 runnable threads on 2 cores");
		assertThat(watchdog.currentStallSeconds()).isZero();
		assertThat(this.registry.get("bridge.eventloop.stalls").tag("cause", "blocked").functionCounter().count())
			.isZero();
		assertThat(output).doesNotContain("has been blocked");
	}

	@Test
	void loopThatHasNotRunItsFirstProbeOnAMachineWithCpuToSpareIsBlocked(CapturedOutput output) {
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		tick(watchdog, 100);
		tick(watchdog, 160);
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.cause()).isEqualTo(StallCause.BLOCKED);
		assertThat(report.evidence()).contains("the thread has not run a probe yet")
			.contains("1 runnable threads on 2 cores");
		assertThat(output).contains("has been blocked for")
			.contains("Its stack is unknown: the thread has not run a probe since the watchdog started.");
	}

	@Test
	void watchdogLatenessTooShortToReportIsStillNotBlamedOnTheLoops() {
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		this.clock.setMillis(170);
		watchdog.tick(TimeUnit.MILLISECONDS.toNanos(170), TimeUnit.MILLISECONDS.toNanos(70));
		assertThat(watchdog.currentStallSeconds()).isZero();
		this.clock.setMillis(180);
		loop.runAll();
		tick(watchdog, 220);
		assertThat(this.reports.recentStalls()).isEmpty();
		assertThat(watchdog.loops()).singleElement()
			.satisfies((stats) -> assertThat(stats.lastDelay()).isEqualTo(Duration.ofMillis(130)));
		assertThat(watchdog.rounds()).isEqualTo(3);
	}

	@Test
	void nothingIsReportedDuringStartupGrace() {
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ofSeconds(1), source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		tick(watchdog, 500);
		this.clock.setMillis(700);
		watchdog.tick(TimeUnit.MILLISECONDS.toNanos(700), TimeUnit.MILLISECONDS.toNanos(150));
		assertThat(watchdog.currentStallSeconds()).isZero();
		assertThat(this.reports.recentStalls()).isEmpty();
		// still stuck once the grace is over: that is reported
		tick(watchdog, 1100);
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.thread()).isEqualTo("test loop #0");
		assertThat(report.stack()).isEmpty();
		assertThat(report.duration()).isEqualTo(Duration.ofMillis(1050));
		assertThat(this.reports.jvmPauses()).isZero();
	}

	@Test
	void loopThatGoesAwayIsNotBlamed() {
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		loop.dispose();
		tick(watchdog, 300);
		assertThat(watchdog.currentStallSeconds()).isZero();
		assertThat(this.reports.recentStalls()).isEmpty();
	}

	@Test
	void stoppingClosesAnEpisodeThatIsStillGoing(CapturedOutput output) {
		ManualLoop loop = new ManualLoop();
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source("test", loop));
		watchdog.begin();
		tick(watchdog, 50);
		tick(watchdog, 200);
		assertThat(singleReport(Kind.LOOP_STALL).ended()).isFalse();
		this.clock.setMillis(260);
		watchdog.stop();
		StallReport report = singleReport(Kind.LOOP_STALL);
		assertThat(report.ended()).isTrue();
		assertThat(report.duration()).isEqualTo(Duration.ofMillis(210));
		assertThat(watchdog.isRunning()).isFalse();
		assertThat(watchdog.currentStallSeconds()).isZero();
		assertThat(output).doesNotContain("is running again");
	}

	@Test
	void workerSharingAThreadWithAnotherIsReplaced() {
		Scheduler a = track(Schedulers.newSingle("single-a"));
		Scheduler b = track(Schedulers.newSingle("single-b"));
		// a round-robin scheduler whose second worker lands on the first one's thread, as
		// another caller of createWorker() can make happen
		ScriptedScheduler scheduler = new ScriptedScheduler(List.of(a, b), List.of(0, 0, 1));
		ParallelSchedulerLoopSource source = new ParallelSchedulerLoopSource("scripted", () -> scheduler);
		EventLoopWatchdog watchdog = watchdog(Duration.ZERO, source);
		watchdog.begin();
		tick(watchdog, 50);
		await().until(() -> watchdog.loops().size() == 2);
		tick(watchdog, 100);
		tick(watchdog, 150);
		await().until(() -> threadNames(watchdog).stream().anyMatch((name) -> name.startsWith("single-b")));
		tick(watchdog, 200);
		assertThat(threadNames(watchdog)).hasSize(2)
			.anyMatch((name) -> name.startsWith("single-a"))
			.anyMatch((name) -> name.startsWith("single-b"));
		watchdog.stop();
	}

	@Test
	void probesEveryWorkerOfAParallelSchedulerAndFollowsItsDisposal() {
		Scheduler parallel = track(Schedulers.newParallel("probe-test", 3));
		ParallelSchedulerLoopSource source = new ParallelSchedulerLoopSource("test-parallel", () -> parallel);
		EventLoopWatchdog watchdog = new EventLoopWatchdog(Duration.ofMillis(10), THRESHOLD, Duration.ZERO,
				List.of(source), this.reports);
		watchdog.start();
		try {
			await().untilAsserted(() -> assertThat(threadNames(watchdog)).hasSize(3)
				.allMatch((name) -> name.startsWith("probe-test-")));
			assertThat(watchdog.loops()).allMatch((stats) -> stats.group().equals("test-parallel"));
			parallel.dispose();
			await().until(() -> watchdog.loops().isEmpty());
			// a loaded machine may starve the workers; nothing may blame them
			assertThat(this.reports.recentStalls())
				.noneMatch((report) -> report.kind() == Kind.LOOP_STALL && report.cause().blamesCode());
		}
		finally {
			watchdog.stop();
		}
		assertThat(watchdog.isRunning()).isFalse();
	}

	@Test
	void settingsAreCheckedWithTheNameOfTheProperty() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EventLoopWatchdog(Duration.ZERO, THRESHOLD, Duration.ZERO, List.of(), this.reports))
			.withMessage("bridge.eventloop.watchdog.interval must be at least 1ms, was 0s");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new WatchdogSettings(Duration.ofNanos(999_999), THRESHOLD, Duration.ZERO))
			.withMessage("bridge.eventloop.watchdog.interval must be at least 1ms, was 999999ns");
		assertThat(new WatchdogSettings(Duration.ofMillis(1), THRESHOLD, Duration.ZERO).interval())
			.isEqualTo(Duration.ofMillis(1));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EventLoopWatchdog(INTERVAL, Duration.ofMillis(-1), Duration.ZERO, List.of(),
					this.reports))
			.withMessage("bridge.eventloop.watchdog.threshold must be at least 1ms, was -1ms");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EventLoopWatchdog(INTERVAL, THRESHOLD, Duration.ofSeconds(-1), List.of(),
					this.reports))
			.withMessage("bridge.eventloop.watchdog.startup-grace must be positive or zero, was -1s");
	}

	@Test
	void delayTimerPublishesAPercentileHistogramPerGroup() {
		List<Meter.Id> histograms = new ArrayList<>();
		this.registry.config().meterFilter(new MeterFilter() {

			@Override
			public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
				if (Boolean.TRUE.equals(config.isPercentileHistogram())) {
					histograms.add(id);
				}
				return config;
			}

		});
		EventLoopWatchdog watchdog = new EventLoopWatchdog(INTERVAL, THRESHOLD, Duration.ZERO,
				List.of(source("one", new ManualLoop()), source("two", new ManualLoop())), this.reports);
		new EventLoopMetrics(this.reports, watchdog).bindTo(this.registry);
		assertThat(histograms).extracting(Meter.Id::getName).containsOnly("bridge.eventloop.delay");
		assertThat(histograms).extracting((id) -> id.getTag("group")).containsExactlyInAnyOrder("one", "two");
	}

	@Test
	void worksWithoutMeterRegistry() {
		ManualLoop loop = new ManualLoop();
		EventLoopReports reports = new EventLoopReports(TestLoops.WALL, this.clock);
		EventLoopWatchdog watchdog = new EventLoopWatchdog(new WatchdogSettings(INTERVAL, THRESHOLD, Duration.ZERO),
				List.of(source("test", loop)), reports, this.clock, this.machine);
		watchdog.begin();
		tick(watchdog, 50);
		tick(watchdog, 200);
		assertThat(watchdog.currentStallSeconds()).isEqualTo(0.15);
		assertThat(reports.stalls()).isEqualTo(1);
	}

	private Health health(EventLoopWatchdog watchdog) {
		return new BridgeHealthIndicator(this.bridges.create(), watchdog, THRESHOLD).health();
	}

	private static void blockTheLoop(CountDownLatch entered, CountDownLatch release) {
		entered.countDown();
		try {
			release.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private EventLoopWatchdog watchdog(Duration grace, EventLoopSource source) {
		EventLoopWatchdog watchdog = new EventLoopWatchdog(new WatchdogSettings(INTERVAL, THRESHOLD, grace),
				List.of(source), this.reports, this.clock, this.machine);
		new EventLoopMetrics(this.reports, watchdog).bindTo(this.registry);
		return watchdog;
	}

	private void tick(EventLoopWatchdog watchdog, long millis) {
		this.clock.setMillis(millis);
		watchdog.tick(TimeUnit.MILLISECONDS.toNanos(millis), 0);
	}

	private StallReport singleReport(Kind kind) {
		List<StallReport> matching = this.reports.recentStalls()
			.stream()
			.filter((report) -> report.kind() == kind)
			.toList();
		assertThat(matching).hasSize(1);
		return matching.get(0);
	}

	private static List<String> threadNames(EventLoopWatchdog watchdog) {
		return watchdog.loops().stream().map(LoopStats::thread).collect(Collectors.toList());
	}

	private ExecutorService loop(String name) {
		ExecutorService loop = loopThread(name);
		this.loops.add(loop);
		return loop;
	}

	private Scheduler track(Scheduler scheduler) {
		this.cleanup.add(scheduler);
		return scheduler;
	}

	/**
	 * Hands out workers of its schedulers in a scripted order.
	 */
	private static final class ScriptedScheduler implements Scheduler, Scannable {

		private final List<Scheduler> schedulers;

		private final Iterator<Integer> picks;

		ScriptedScheduler(List<Scheduler> schedulers, List<Integer> picks) {
			this.schedulers = schedulers;
			this.picks = picks.iterator();
		}

		@Override
		public Disposable schedule(Runnable task) {
			return this.schedulers.get(0).schedule(task);
		}

		@Override
		public Worker createWorker() {
			return this.schedulers.get(this.picks.next()).createWorker();
		}

		@Override
		public @Nullable Object scanUnsafe(Attr key) {
			return (key == Attr.CAPACITY) ? this.schedulers.size() : null;
		}

	}

}
