package dev.bridge.eventloop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import com.example.stalls.LoopWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LoopCallRecorder}, with real JDK Flight Recorder streams.
 */
class LoopCallRecorderTests {

	private final EventLoopReports reports = new EventLoopReports();

	private final ExecutorService loop = TestLoops.loopThread("recorded-loop-1");

	private final ExecutorService worker = TestLoops.loopThread("plain-worker-1");

	private LoopCallRecorder recorder;

	@AfterEach
	void cleanUp() {
		if (this.recorder != null) {
			this.recorder.stop();
		}
		this.loop.shutdownNow();
		this.worker.shutdownNow();
	}

	@Test
	void shortBlockingCallsAndCpuWorkOnLoopsAreListedByCallSite() throws Exception {
		List<LoopCallEvent> events = new CopyOnWriteArrayList<>();
		this.reports.addListener(new EventLoopReports.EventLoopListener() {

			@Override
			public void onCallSite(LoopCallEvent event) {
				events.add(event);
			}

		});
		this.recorder = new LoopCallRecorder(this.reports, "recorded-loop-1"::equals, Duration.ofMillis(2));
		this.recorder.start();
		assertThat(this.recorder.isRunning()).isTrue();
		for (int i = 0; i < 10; i++) {
			this.loop.submit(() -> LoopWork.fetchFromLegacySystem(5)).get(10, TimeUnit.SECONDS);
			this.worker.submit(() -> LoopWork.fetchFromLegacySystem(5)).get(10, TimeUnit.SECONDS);
		}
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.recorder.topCallSites(20)).anySatisfy((site) -> {
				assertThat(site.frame()).startsWith("com.example.stalls.LoopWork.fetchFromLegacySystem(LoopWork.java:");
				assertThat(site.kind()).isEqualTo("sleep");
				assertThat(site.blocking()).isTrue();
				assertThat(site.count()).isEqualTo(10);
				assertThat(site.total()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
				assertThat(site.max()).isGreaterThanOrEqualTo(Duration.ofMillis(5));
			}));
		// CPU work is found by sampling, and the sampler visits a few running threads per period:
		// keep the loop busy until a sample of it has been delivered.
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			this.loop.submit(() -> LoopWork.renderReport(200)).get(30, TimeUnit.SECONDS);
			assertThat(this.recorder.topCallSites(20)).anySatisfy((site) -> {
				assertThat(site.frame()).startsWith("com.example.stalls.LoopWork.renderReport(");
				assertThat(site.kind()).isEqualTo("cpu");
				assertThat(site.blocking()).isFalse();
				assertThat(site.count()).isPositive();
			});
		});
		assertThat(events).isNotEmpty().allSatisfy((event) -> assertThat(event.thread()).isEqualTo("recorded-loop-1"));
		assertThat(events).anySatisfy((event) -> {
			assertThat(event.kind()).isEqualTo("sleep");
			assertThat(event.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(5));
			assertThat(event.stack()).anyMatch((frame) -> frame.getMethodName().equals("fetchFromLegacySystem"));
		});
		this.recorder.stop();
		assertThat(this.recorder.isRunning()).isFalse();
	}

	@Test
	void callsBelowTheThresholdAndOffLoopsAreNotRecorded() throws Exception {
		this.recorder = new LoopCallRecorder(this.reports, "recorded-loop-1"::equals, Duration.ofMillis(200));
		this.recorder.start();
		for (int i = 0; i < 5; i++) {
			this.loop.submit(() -> LoopWork.fetchFromLegacySystem(5)).get(10, TimeUnit.SECONDS);
		}
		this.worker.submit(() -> LoopWork.fetchFromLegacySystem(300)).get(10, TimeUnit.SECONDS);
		// a marker call above the threshold on the loop shows that events have been delivered
		this.loop.submit(() -> LoopWork.fetchFromLegacySystem(250)).get(10, TimeUnit.SECONDS);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.recorder.topCallSites(20).stream().anyMatch((site) -> site.kind().equals("sleep")));
		assertThat(this.recorder.topCallSites(20)).filteredOn((site) -> site.kind().equals("sleep"))
			.singleElement()
			.satisfies((site) -> {
				assertThat(site.count()).isEqualTo(1);
				assertThat(site.max()).isGreaterThanOrEqualTo(Duration.ofMillis(250));
			});
	}

	@Test
	void negativeThresholdIsRefusedNamingTheProperty() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new LoopCallRecorder(this.reports, (name) -> true, Duration.ofMillis(-1)))
			.withMessage("bridge.eventloop.call-sites.threshold must be positive or zero, was -1ms");
	}

}
