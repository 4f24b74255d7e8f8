package dev.bridge.test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.bridge.eventloop.LoopCallEvent;
import dev.bridge.eventloop.StallCause;
import dev.bridge.eventloop.StallReport;
import dev.bridge.eventloop.StallReport.Kind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failure message of {@link NoEventLoopBlocking}.
 */
class StallMessageTests {

	private static final String NL = System.lineSeparator();

	private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

	@Test
	void listsEveryEpisodeFromTheFirstApplicationFrame() {
		StallReport sleep = new StallReport(Kind.LOOP_STALL, StallCause.BLOCKED, "reactor-http-epoll-2", AT,
				Duration.ofMillis(301), true,
				List.of("java.base/java.lang.Thread.sleep0(Native Method)",
						"java.base/java.lang.Thread.sleep(Thread.java:509)",
						"app//com.example.ReportController.report(ReportController.java:21)",
						"app//org.springframework.web.reactive.result.method.InvocableHandlerMethod.invoke(InvocableHandlerMethod.java:205)"),
				List.of(), "");
		StallReport missed = new StallReport(Kind.LOOP_STALL, StallCause.BUSY, "parallel-1", AT.plusSeconds(1),
				Duration.ofMillis(60), false, List.of(), List.of(), "");
		assertThat(StallMessage.of("ReportTests.report()", Duration.ofMillis(50), List.of(sleep, missed)))
			.isEqualTo("ReportTests.report() blocked event loops (@NoEventLoopBlocking, threshold 50ms), 2 episodes:" + NL
					+ "1) event loop 'reactor-http-epoll-2' stalled for 301 ms (blocked), in java.lang.Thread.sleep0" + NL
					+ "\tat com.example.ReportController.report(ReportController.java:21)" + NL
					+ "\tat org.springframework.web.reactive.result.method.InvocableHandlerMethod.invoke(InvocableHandlerMethod.java:205)" + NL
					+ "2) event loop 'parallel-1' stalled for 60 ms (busy) and still stalled when the test ended; its stack "
					+ "could not be read: the stall ended between two rounds of the watchdog" + NL
					+ "Every connection and task on a blocked loop waits. Move the blocking work off the loop with "
					+ "@Blocking or BlockingBridge.spawn(...).");
	}

	@Test
	void showsAtMostTwelveFrames() {
		List<String> stack = java.util.stream.IntStream.range(0, 20)
			.mapToObj((i) -> "com.example.Deep.level" + i + "(Deep.java:" + i + ")")
			.toList();
		StallReport deep = new StallReport(Kind.LOOP_STALL, StallCause.BUSY, "parallel-2", AT, Duration.ofMillis(90),
				true, stack, List.of(), "");
		String message = StallMessage.of("DeepTests.deep()", Duration.ofMillis(50), List.of(deep));
		assertThat(message.lines().filter((line) -> line.startsWith("\tat "))).hasSize(StallMessage.MAX_FRAMES);
		assertThat(message).contains("\tat com.example.Deep.level0(Deep.java:0)" + NL)
			.contains("\t... 8 more" + NL);
	}

	@Test
	void namesABlockingCallCaughtByBlockHound() {
		StallReport call = new StallReport(Kind.BLOCKING_CALL, StallCause.BLOCKED, "parallel-1", AT, Duration.ZERO,
				true, List.of("java.lang.Thread.sleep(Thread.java:509)", "com.example.Cache.load(Cache.java:12)"),
				List.of(), "");
		assertThat(StallMessage.of("CacheTests.load()", Duration.ofMillis(50), List.of(call)))
			.contains("1) blocking call on event loop 'parallel-1', caught by BlockHound, in java.lang.Thread.sleep" + NL
					+ "\tat com.example.Cache.load(Cache.java:12)");
	}

	@Test
	void groupsShortBlockingCallsByPlace() {
		List<StackTraceElement> stack = List.of(new StackTraceElement("java.io.FileInputStream", "read", null, -1),
				new StackTraceElement("com.example.Config", "reload", "Config.java", 30));
		LoopCallEvent first = new LoopCallEvent("parallel-1", AT, Duration.ofMillis(2), "file-read", stack);
		LoopCallEvent second = new LoopCallEvent("parallel-2", AT.plusMillis(5), Duration.ofMillis(4), "file-read",
				stack);
		assertThat(StallMessage.of("ConfigTests.reload()", Duration.ofMillis(50), List.of(), List.of(first, second)))
			.isEqualTo("ConfigTests.reload() blocked event loops (@NoEventLoopBlocking, threshold 50ms, strict), "
					+ "2 short blocking calls from 1 place:" + NL
					+ "call 1) file-read on event loop 'parallel-1', 2 times, longest 4.0 ms, in java.io.FileInputStream.read" + NL
					+ "\tat com.example.Config.reload(Config.java:30)" + NL
					+ "Every connection and task on a blocked loop waits. Move the blocking work off the loop with "
					+ "@Blocking or BlockingBridge.spawn(...).");
	}

	@Test
	void tellsApplicationFramesFromThePlatform() {
		assertThat(StackFrames.isApplicationFrame("com.example.Handler.get(Handler.java:3)")).isTrue();
		assertThat(StackFrames.isApplicationFrame("org.postgresql.jdbc.PgStatement.execute(PgStatement.java:1)"))
			.isTrue();
		assertThat(StackFrames.isApplicationFrame("reactor.core.publisher.Mono.block(Mono.java:1)")).isFalse();
		assertThat(StackFrames.isApplicationFrame("dev.bridge.pool.BlockingPool.run(BlockingPool.java:1)")).isFalse();
		assertThat(StackFrames.isApplicationFrame("com.example.Handler$$SpringCGLIB$$0.get(<generated>)")).isFalse();
	}

	@Test
	void onlyStacksWithApplicationCodeBlameTheApplication() {
		assertThat(StackFrames.blamesApplication(List.of("java.base/java.lang.Thread.sleep(Native Method)",
				"app//com.example.Handler.get(Handler.java:3)")))
			.isTrue();
		assertThat(StackFrames.blamesApplication(List.of())).isFalse();
		assertThat(StackFrames.blamesApplication(List.of("tools.jackson.core.json.JsonFactory.constructNameMatcher(JsonFactory.java:522)",
				"reactor.netty.channel.ChannelOperations.onInboundNext(ChannelOperations.java:1)")))
			.isFalse();
		assertThat(StackFrames.blamesApplication(List.of("java.base/java.lang.ClassLoader.defineClass1(Native Method)",
				"app//com.example.Handler.get(Handler.java:3)")))
			.isFalse();
	}

	@Test
	void classLoadingBeforeTheApplicationFrameIsWarmUp() {
		assertThat(StackFrames.isLoadingClasses(List.of("java.base/java.lang.ClassLoader.defineClass1(Native Method)",
				"app//com.example.Handler.get(Handler.java:3)")))
			.isTrue();
		assertThat(StackFrames.isLoadingClasses(List.of("java.base/java.lang.Thread.sleep(Native Method)",
				"app//com.example.Handler.get(Handler.java:3)", "java.lang.ClassLoader.loadClass(ClassLoader.java:1)")))
			.isFalse();
	}

	@Test
	void classesRewrittenByMockitoAsTheyLoadAreWarmUpAndBridgesObservationIsPlatform() {
		List<String> loading = List.of(
				"org.mockito.internal.creation.bytebuddy.InlineBytecodeGenerator.transform(InlineBytecodeGenerator.java:388)",
				"java.instrument/java.lang.instrument.ClassFileTransformer.transform(ClassFileTransformer.java:257)",
				"java.instrument/sun.instrument.TransformerManager.transform(TransformerManager.java:188)",
				"java.base/java.lang.ClassLoader.defineClass1(Native Method)",
				"java.base/jdk.internal.loader.BuiltinClassLoader.loadClass(BuiltinClassLoader.java:578)",
				"dev.bridge.observation.BlockingCallMeterObservationHandler.onStart(BlockingCallMeterObservationHandler.java:1)",
				"app//com.example.Handler.get(Handler.java:3)");
		assertThat(StackFrames.isLoadingClasses(loading)).isTrue();
		assertThat(StackFrames.blamesApplication(loading)).isFalse();
		// a mock's answer that blocks is still the test's code blocking the loop
		assertThat(StackFrames.blamesApplication(List.of("java.base/java.lang.Thread.sleep(Native Method)",
				"app//com.example.HandlerTests.lambda$slowAnswer$0(HandlerTests.java:12)",
				"org.mockito.internal.stubbing.StubbedInvocationMatcher.answer(StubbedInvocationMatcher.java:42)",
				"app//com.example.Handler.get(Handler.java:3)")))
			.isTrue();
		assertThat(StackFrames.isApplicationFrame(
				"dev.bridge.observation.BlockingCallContext.<init>(BlockingCallContext.java:1)"))
			.isFalse();
	}

}
