package dev.bridge.eventloop;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.eventloop.StallReport.Kind;
import dev.bridge.metrics.EventLoopMetrics;
import dev.bridge.eventloop.TestLoops.FakeClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EventLoopReports}.
 */
@ExtendWith(OutputCaptureExtension.class)
class EventLoopReportsTests {

	private final FakeClock clock = new FakeClock();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final EventLoopReports reports = new EventLoopReports(TestLoops.WALL, this.clock);

	{
		new EventLoopMetrics(this.reports, null).bindTo(this.registry);
	}

	@Test
	void keepsTheLatestTwentyReportsNewestFirst() {
		for (int i = 0; i < 25; i++) {
			this.reports.blockingCall(new Thread("loop-" + i), "java.lang.Thread.sleep", stack("Site" + i));
		}
		List<StallReport> recent = this.reports.recentStalls();
		assertThat(recent).hasSize(EventLoopReports.MAX_REPORTS);
		assertThat(recent.get(0).thread()).isEqualTo("loop-24");
		assertThat(recent.get(19).thread()).isEqualTo("loop-5");
		assertThat(this.reports.blockingCalls()).isEqualTo(25);
	}

	@Test
	void blockingCallIsCountedEveryTimeAndLoggedOncePerCallSite(CapturedOutput output) {
		Thread loop = new Thread("loop-1");
		for (int i = 0; i < 3; i++) {
			this.reports.blockingCall(loop, "java.lang.Thread.sleep", stack("SameSite"));
		}
		this.reports.blockingCall(loop, "java.lang.Thread.sleep", stack("OtherSite"));
		assertThat(this.reports.blockingCalls()).isEqualTo(4);
		assertThat(this.registry.get("bridge.eventloop.blocking.calls").functionCounter().count()).isEqualTo(4);
		assertThat(this.reports.recentStalls()).hasSize(4).allSatisfy((report) -> {
			assertThat(report.kind()).isEqualTo(Kind.BLOCKING_CALL);
			assertThat(report.thread()).isEqualTo("loop-1");
			assertThat(report.ended()).isTrue();
			assertThat(report.duration()).isEqualTo(Duration.ZERO);
		});
		assertThat(this.reports.recentStalls().get(0).stack()).containsExactly("com.example.OtherSite.call(OtherSite.java:42)",
				"com.example.Caller.run(Caller.java:7)");
		// one WARN per call site, each followed by its frames
		assertThat(output.getAll().lines().filter((line) -> line.contains("WARN")
				&& line.contains("Blocking call java.lang.Thread.sleep on event-loop thread 'loop-1' "
						+ "(caught by BlockHound, bridge.blockhound.enabled=true)")))
			.hasSize(2);
		assertThat(output).contains("\tat com.example.SameSite.call(SameSite.java:42)")
			.contains("\tat com.example.OtherSite.call(OtherSite.java:42)");
	}

	@Test
	void stallsAreCountedSeparatelyFromBlockingCallsAndPauses() {
		this.clock.setMillis(500);
		EventLoopReports.Entry episode = this.reports.stallStarted("loop-1", 0, 500_000_000L, Duration.ofMillis(100),
				new StallEvidence.Verdict(StallCause.BLOCKED, stack("Site"), List.of(), "", false, -1, -1, 2));
		this.reports.jvmPause(0, 200_000_000L, "");
		this.clock.setMillis(700);
		assertThat(this.reports.recentStalls().get(1).duration()).isEqualTo(Duration.ofMillis(700));
		this.reports.stallEnded(episode, 600_000_000L);
		assertThat(this.reports.recentStalls()).extracting(StallReport::kind)
			.containsExactly(Kind.JVM_PAUSE, Kind.LOOP_STALL);
		assertThat(this.reports.recentStalls().get(1).duration()).isEqualTo(Duration.ofMillis(600));
		assertThat(this.reports.stalls()).isEqualTo(1);
		assertThat(this.reports.jvmPauses()).isEqualTo(1);
		assertThat(this.reports.blockingCalls()).isZero();
		assertThat(this.registry.get("bridge.eventloop.stalls").tag("cause", "blocked").functionCounter().count())
			.isEqualTo(1);
		assertThat(this.registry.get("bridge.eventloop.stalls").tag("cause", "jvm-pause").functionCounter().count())
			.isEqualTo(1);
		assertThat(this.registry.get("bridge.eventloop.stalls").tag("cause", "busy").functionCounter().count())
			.isZero();
	}

	@Test
	void repeatedStallsFromOneCallSiteAreFoldedIntoOneLineAMinute(CapturedOutput output) {
		StackTraceElement[] stack = deepStack("Repeater", 140);
		for (int i = 0; i < 5; i++) {
			this.clock.setMillis(i * 1000L);
			EventLoopReports.Entry episode = this.reports.stallStarted("loop-1", i * 1_000_000_000L, 150_000_000L,
					Duration.ofMillis(100), blocked(stack));
			this.reports.stallEnded(episode, i * 1_000_000_000L + 200_000_000L);
		}
		assertThat(this.reports.stalls(StallCause.BLOCKED)).isEqualTo(5);
		assertThat(output.getAll().lines().filter((line) -> line.contains("has been blocked for"))).hasSize(1);
		assertThat(output).containsOnlyOnce("is running again after a stall of 200 ms");
		this.reports.flush(30_000_000_000L);
		assertThat(output).doesNotContain("more times in the last minute");
		this.reports.flush(61_000_000_000L);
		assertThat(output).containsOnlyOnce("Event loops were stalled 4 more times in the last minute, blocked at "
				+ "com.example.Repeater.call(Repeater.java:42) (longest 150 ms); the first was logged with its stack.");
	}

	@Test
	void warnShowsTheApplicationFramesAndTwentyOthersAndCountsTheRest(CapturedOutput output) {
		StackTraceElement[] stack = deepStack("Deep", 140);
		this.reports.stallStarted("loop-1", 0, 150_000_000L, Duration.ofMillis(100), blocked(stack));
		String warn = output.getAll();
		assertThat(warn).contains("in com.example.Deep.call(Deep.java:42), waiting in java.lang.Thread.sleep")
			.contains("Move the blocking work below off the loop with @Blocking")
			.contains("\tat java.lang.Thread.sleep(Thread.java:1)")
			.contains("\tat com.example.Deep.call(Deep.java:42)")
			.contains("\tat com.example.Caller.run(Caller.java:7)")
			.contains("\t... 118 more frames");
		assertThat(warn.lines().filter((line) -> line.startsWith("\tat "))).hasSize(22);
		// the endpoint keeps the whole stack
		assertThat(this.reports.recentStalls().get(0).stack()).hasSize(140);
	}

	@Test
	void jdkOnlyStackAndClassInitialisationGetTheirOwnAdvice(CapturedOutput output) {
		StackTraceElement[] jdkOnly = { new StackTraceElement("java.net.InetAddress", "getAllByName", "InetAddress.java", 1),
				new StackTraceElement("io.netty.channel.SingleThreadIoEventLoop", "run", "SingleThreadIoEventLoop.java", 2) };
		this.reports.stallStarted("loop-1", 0, 150_000_000L, Duration.ofMillis(100), blocked(jdkOnly));
		StackTraceElement[] clinit = { new StackTraceElement("com.example.Heavy", "<clinit>", "Heavy.java", 3),
				new StackTraceElement("com.example.Handler", "handle", "Handler.java", 4) };
		this.reports.stallStarted("loop-2", 0, 150_000_000L, Duration.ofMillis(100),
				new StallEvidence.Verdict(StallCause.BUSY, clinit, List.of(clinit), "", false, -1, -1, 2));
		assertThat(output).contains("No application frame is on the stack")
			.contains("The loop is initialising class com.example.Heavy")
			.doesNotContain("Move the");
	}

	private static StallEvidence.Verdict blocked(StackTraceElement[] stack) {
		return new StallEvidence.Verdict(StallCause.BLOCKED, stack, StackFrames.applicationFrames(stack), "", false, -1,
				-1, 2);
	}

	private static StackTraceElement[] deepStack(String site, int depth) {
		StackTraceElement[] stack = new StackTraceElement[depth];
		stack[0] = new StackTraceElement("java.lang.Thread", "sleep", "Thread.java", 1);
		stack[1] = new StackTraceElement("com.example." + site, "call", site + ".java", 42);
		stack[2] = new StackTraceElement("com.example.Caller", "run", "Caller.java", 7);
		for (int i = 3; i < depth; i++) {
			stack[i] = new StackTraceElement("reactor.core.publisher.Operator" + i, "onNext", "Operator.java", i);
		}
		return stack;
	}

	@Test
	void monitorWithoutWatchdogShowsNoLoopsButTheReports() {
		this.reports.blockingCall(new Thread("loop-1"), "java.lang.Thread.sleep", stack("Site"));
		EventLoopMonitor monitor = this.reports.withoutWatchdog();
		assertThat(monitor.loops()).isEmpty();
		assertThat(monitor.currentStallSeconds()).isZero();
		assertThat(monitor.blockingCalls()).isEqualTo(1);
		assertThat(monitor.recentStalls()).hasSize(1);
	}

	private static StackTraceElement[] stack(String site) {
		return new StackTraceElement[] { new StackTraceElement("com.example." + site, "call", site + ".java", 42),
				new StackTraceElement("com.example.Caller", "run", "Caller.java", 7) };
	}

}
