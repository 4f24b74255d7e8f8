package dev.bridge.eventloop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import com.example.stalls.LoopWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.eventloop.StallReport.Kind;

import static dev.bridge.eventloop.TestLoops.loopThread;
import static dev.bridge.eventloop.TestLoops.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Makes each cause of a stall happen for real, on real threads and a real watchdog, and
 * checks how the episode is classified and logged.
 */
@ExtendWith(OutputCaptureExtension.class)
class StallCauseTests {

	private static final Duration AWAIT = Duration.ofSeconds(60);

	private final EventLoopReports reports = new EventLoopReports();

	private final List<StallReport> finished = new CopyOnWriteArrayList<>();

	private final List<ExecutorService> loops = new ArrayList<>();

	private final List<Thread> spinners = new ArrayList<>();

	private volatile boolean spinning = true;

	private EventLoopWatchdog watchdog;

	@AfterEach
	void cleanUp() throws Exception {
		this.spinning = false;
		for (Thread spinner : this.spinners) {
			spinner.join(5000);
		}
		if (this.watchdog != null) {
			this.watchdog.stop();
		}
		this.loops.forEach(ExecutorService::shutdownNow);
	}

	@Test
	void sleepOnALoopIsBlockedAndNamesTheMethod(CapturedOutput output) throws Exception {
		ExecutorService loop = watchedLoop("sleepy-loop-1", Duration.ofMillis(10), Duration.ofMillis(100));
		loop.execute(() -> LoopWork.fetchFromLegacySystem(700));
		await().atMost(AWAIT).until(() -> !finishedOn("sleepy-loop-1", StallCause.BLOCKED).isEmpty());
		StallReport report = finishedOn("sleepy-loop-1", StallCause.BLOCKED).get(0);
		assertThat(report.kind()).isEqualTo(Kind.LOOP_STALL);
		assertThat(report.ended()).isTrue();
		assertThat(report.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
		assertThat(report.culprit()).first()
			.asString()
			.contains("com.example.stalls.LoopWork.fetchFromLegacySystem(LoopWork.java:");
		// JDK 21+ sleeps in Thread.sleepNanos0; with BlockHound installed the frame is renamed
		assertThat(report.stack()).first().asString().startsWith("java.lang.Thread.").containsIgnoringCase("sleep");
		assertThat(report.evidence()).contains("TIMED_WAITING");
		assertThat(finishedOn("sleepy-loop-1", StallCause.BUSY)).isEmpty();
		assertThat(this.reports.stalls(StallCause.BLOCKED)).isEqualTo(1);
		assertThat(output).containsOnlyOnce("Event loop thread 'sleepy-loop-1' has been blocked for")
			.contains("in com.example.stalls.LoopWork.fetchFromLegacySystem(LoopWork.java:")
			.contains(", waiting in java.lang.Thread.")
			.contains("Move the blocking work below off the loop with @Blocking")
			.contains("\tat com.example.stalls.LoopWork.fetchFromLegacySystem(")
			.contains("Event loop thread 'sleepy-loop-1' is running again after a stall of");
	}

	@Test
	void cpuSpinOnALoopIsBusyAndNamesTheMethod(CapturedOutput output) throws Exception {
		ExecutorService loop = watchedLoop("spinning-loop-1", Duration.ofMillis(10), Duration.ofMillis(100));
		loop.execute(() -> LoopWork.renderReport(600));
		await().atMost(AWAIT).until(() -> !finishedOn("spinning-loop-1", StallCause.BUSY).isEmpty());
		StallReport report = finishedOn("spinning-loop-1", StallCause.BUSY).get(0);
		assertThat(report.culprit()).first().asString().contains("com.example.stalls.LoopWork.renderReport(");
		assertThat(finishedOn("spinning-loop-1", StallCause.BLOCKED)).isEmpty();
		assertThat(output).contains("Event loop thread 'spinning-loop-1' has been busy running code for")
			.contains("in com.example.stalls.LoopWork.renderReport(LoopWork.java:")
			.contains("Move the CPU-heavy work below off the loop with @Blocking")
			.doesNotContain("has been blocked");
	}

	@Test
	void loopsStarvedByMoreBusyThreadsThanCoresAreStarvedAndBlameNoCode(CapturedOutput output) throws Exception {
		watchedLoop("starved-loop-1", Duration.ofMillis(1), Duration.ofMillis(5));
		int cores = Runtime.getRuntime().availableProcessors();
		for (int i = 0; i < 4 * cores; i++) {
			Thread spinner = new Thread(this::spin, "cpu-hog-" + i);
			spinner.setDaemon(true);
			this.spinners.add(spinner);
			spinner.start();
		}
		await().atMost(AWAIT).until(() -> this.reports.stalls(StallCause.STARVED) >= 3);
		this.spinning = false;
		for (Thread spinner : this.spinners) {
			spinner.join(5000);
		}
		this.watchdog.stop();
		assertThat(this.reports.stalls(StallCause.BLOCKED)).isZero();
		assertThat(this.reports.stalls(StallCause.BUSY)).isZero();
		assertThat(this.finished).filteredOn((report) -> report.cause() == StallCause.STARVED)
			.isNotEmpty()
			.allSatisfy((report) -> {
				assertThat(report.stack()).isEmpty();
				assertThat(report.culprit()).isEmpty();
				assertThat(report.evidence()).contains("runnable threads on " + cores + " cores");
			});
		assertThat(output).contains("because it got no CPU")
			.contains("Keep the threads that run CPU-bound work at or below the cores")
			.doesNotContain("has been blocked")
			.doesNotContain("has been busy")
			.doesNotContain("\tat ");
	}

	@Test
	void garbageCollectionPauseIsAJvmPauseAndNoLoopIsBlamed(CapturedOutput output) throws Exception {
		watchedLoop("paused-loop-1", Duration.ofMillis(10), Duration.ofMillis(50));
		Object[] live = linkedList(6_000_000);
		for (int i = 0; i < 10 && this.reports.jvmPauses() == 0; i++) {
			System.gc();
			await().atMost(Duration.ofSeconds(2)).until(() -> this.watchdog.rounds() > 0);
			awaitRounds(3);
		}
		assertThat(live).isNotNull();
		assertThat(this.reports.jvmPauses()).isPositive();
		assertThat(this.finished).filteredOn((report) -> report.kind() == Kind.JVM_PAUSE)
			.isNotEmpty()
			.allSatisfy((report) -> {
				assertThat(report.cause()).isEqualTo(StallCause.JVM_PAUSE);
				assertThat(report.thread()).isNull();
				assertThat(report.evidence()).contains("garbage-collection pauses");
			});
		assertThat(this.reports.stalls(StallCause.BLOCKED)).isZero();
		assertThat(this.reports.stalls(StallCause.BUSY)).isZero();
		assertThat(output).contains("The JVM paused for about").doesNotContain("has been blocked");
	}

	private void awaitRounds(int rounds) {
		long target = this.watchdog.rounds() + rounds;
		await().atMost(AWAIT).until(() -> this.watchdog.rounds() >= target);
	}

	/**
	 * A long chain of small objects: marking it cannot be split among GC threads, so a full
	 * collection of it pauses the JVM for a while.
	 */
	private static Object[] linkedList(int length) {
		Object[] head = null;
		for (int i = 0; i < length; i++) {
			head = new Object[] { head };
		}
		return head;
	}

	private void spin() {
		long x = 1;
		while (this.spinning) {
			x = x * 6364136223846793005L + 1442695040888963407L;
		}
		if (x == 42) {
			System.out.println(x);
		}
	}

	private List<StallReport> finishedOn(String thread, StallCause cause) {
		return this.finished.stream()
			.filter((report) -> thread.equals(report.thread()) && report.cause() == cause)
			.toList();
	}

	private ExecutorService watchedLoop(String name, Duration interval, Duration threshold) throws Exception {
		ExecutorService loop = loopThread(name);
		this.loops.add(loop);
		this.reports.addListener(new EventLoopReports.EventLoopListener() {

			@Override
			public void onStall(StallReport report) {
				StallCauseTests.this.finished.add(report);
			}

		});
		this.watchdog = new EventLoopWatchdog(interval, threshold, Duration.ZERO, List.of(source("test", loop)),
				this.reports);
		this.watchdog.start();
		await().atMost(AWAIT).until(() -> this.watchdog.isLoopThread(name));
		loop.submit(() -> {
		}).get(10, TimeUnit.SECONDS);
		return loop;
	}

}
