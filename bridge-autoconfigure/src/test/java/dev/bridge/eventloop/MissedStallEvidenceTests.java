package dev.bridge.eventloop;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

import com.example.stalls.LoopWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.eventloop.StallReport.Kind;
import dev.bridge.eventloop.TestLoops.FixedMachine;

import static dev.bridge.eventloop.TestLoops.flush;
import static dev.bridge.eventloop.TestLoops.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stall that is over before the watchdog could sample its loop leaves the watchdog only the
 * loop's CPU time and the machine's figures. With the call-site recorder on, JDK Flight
 * Recorder's events of that time are the evidence: a blocking call that lasted most of the
 * episode makes it {@code blocked}, blamed on that call's frames, where the figures alone
 * (an overloaded machine) would have called it {@code starved}.
 */
@ExtendWith(OutputCaptureExtension.class)
class MissedStallEvidenceTests {

	private static final String LOOP = "missed-loop-1";

	private final EventLoopReports reports = new EventLoopReports();

	private final ExecutorService loop = TestLoops.loopThread(LOOP);

	private final FixedMachine machine = new FixedMachine();

	private final EventLoopWatchdog watchdog = new EventLoopWatchdog(
			new WatchdogSettings(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ZERO),
			List.of(source("test", this.loop)), this.reports, System::nanoTime, this.machine);

	private LoopCallRecorder recorder;

	@AfterEach
	void cleanUp() {
		if (this.recorder != null) {
			this.recorder.stop();
		}
		this.loop.shutdownNow();
	}

	@Test
	void flightRecorderEventsTurnAMissedEpisodeIntoABlockedOneNamingTheCall(CapturedOutput output) throws Exception {
		this.recorder = new LoopCallRecorder(this.reports, LOOP::equals, Duration.ofMillis(1));
		this.recorder.start();
		missASleepOfTheLoop();
		await().atMost(Duration.ofSeconds(60)).until(() -> missedReport().isPresent());
		StallReport report = missedReport().get();
		assertThat(report.cause()).as(report.toString()).isEqualTo(StallCause.BLOCKED);
		assertThat(report.culprit()).first().asString()
			.startsWith("com.example.stalls.LoopWork.fetchFromLegacySystem(LoopWork.java:");
		assertThat(report.stack()).isNotEmpty();
		assertThat(report.evidence()).contains("flight recorder: sleep")
			.contains("in com.example.stalls.LoopWork.fetchFromLegacySystem(");
		assertThat(this.reports.stalls(StallCause.BLOCKED)).isOne();
		assertThat(this.reports.stalls(StallCause.STARVED)).isZero();
		assertThat(output).contains("Event loop thread '" + LOOP + "' was blocked for")
			.contains("in com.example.stalls.LoopWork.fetchFromLegacySystem(LoopWork.java:");
	}

	@Test
	void withoutTheRecorderTheSameEpisodeIsDecidedFromTheFiguresAlone(CapturedOutput output) throws Exception {
		missASleepOfTheLoop();
		StallReport report = missedReport().orElseThrow();
		assertThat(report.cause()).isEqualTo(StallCause.STARVED);
		assertThat(report.stack()).isEmpty();
		assertThat(report.culprit()).isEmpty();
		assertThat(report.evidence()).doesNotContain("flight recorder");
		assertThat(output).doesNotContain("was blocked for");
	}

	@Test
	void anEpisodeTheWatchdogSampledGetsTheRecordersMatchingCallInItsEvidence() throws Exception {
		EventLoopReports reports = new EventLoopReports();
		ExecutorService sampled = TestLoops.loopThread("sampled-loop-1");
		EventLoopWatchdog live = new EventLoopWatchdog(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ZERO,
				List.of(source("live", sampled)), reports);
		this.recorder = new LoopCallRecorder(reports, "sampled-loop-1"::equals, Duration.ofMillis(1));
		this.recorder.start();
		live.start();
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> live.rounds() >= 3);
			sampled.submit(() -> LoopWork.fetchFromLegacySystem(400)).get();
			await().atMost(Duration.ofSeconds(60))
				.until(() -> reports.recentStalls()
					.stream()
					.anyMatch((report) -> "sampled-loop-1".equals(report.thread()) && report.ended()
							&& report.cause() == StallCause.BLOCKED
							&& report.evidence().contains("flight recorder: sleep")
							&& report.evidence().contains("in com.example.stalls.LoopWork.fetchFromLegacySystem(")));
		}
		finally {
			live.stop();
			sampled.shutdownNow();
		}
	}

	/**
	 * The loop sleeps 300 ms with a probe queued behind the sleep and no watchdog round
	 * meanwhile: the watchdog only learns of the stall when the late probe has run, without
	 * a sample. The machine's figures say it was overloaded.
	 */
	private void missASleepOfTheLoop() throws Exception {
		this.machine.runnable = 8;
		this.machine.cpuLoad = 0.95;
		this.watchdog.begin();
		this.watchdog.tick(System.nanoTime(), 0);
		flush(this.loop);
		this.watchdog.tick(System.nanoTime(), 0);
		flush(this.loop);
		this.loop.execute(() -> LoopWork.fetchFromLegacySystem(300));
		this.watchdog.tick(System.nanoTime(), 0);
		flush(this.loop);
		this.watchdog.tick(System.nanoTime(), 0);
	}

	private Optional<StallReport> missedReport() {
		return this.reports.recentStalls()
			.stream()
			.filter((report) -> report.kind() == Kind.LOOP_STALL && LOOP.equals(report.thread()) && report.ended())
			.findFirst();
	}

}
