package dev.bridge.test;

import java.time.Duration;
import java.util.List;

import dev.bridge.eventloop.StallReport;

/**
 * The failure message of a test that blocked event loops: every episode with its loop
 * thread, its length and the stack from the first application frame.
 */
final class StallMessage {

	/**
	 * Frames shown per episode, from the first application frame outwards.
	 */
	static final int MAX_FRAMES = 12;

	private static final String NL = System.lineSeparator();

	private static final List<String> FRAMEWORK_PREFIXES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.",
			"reactor.", "io.netty.", "io.micrometer.", "org.reactivestreams.", "org.springframework.", "org.aspectj.",
			"org.junit.", "org.opentest4j.", "kotlin.", "kotlinx.", "dev.bridge.aspect.", "dev.bridge.autoconfigure.",
			"dev.bridge.context.", "dev.bridge.eventloop.", "dev.bridge.metrics.", "dev.bridge.pool.",
			"dev.bridge.web.", "dev.bridge.BlockingBridge", "dev.bridge.OffloadCall");

	private StallMessage() {
	}

	static String of(String test, Duration threshold, List<StallReport> reports) {
		StringBuilder message = new StringBuilder();
		message.append(test)
			.append(" blocked ")
			.append((reports.size() == 1) ? "an event loop" : "event loops")
			.append(" (@NoEventLoopBlocking, threshold ")
			.append(WatchSettings.format(threshold))
			.append("), ")
			.append(reports.size())
			.append((reports.size() == 1) ? " episode:" : " episodes:");
		int number = 1;
		for (StallReport report : reports) {
			message.append(NL).append(number++).append(") ");
			appendEpisode(message, report);
		}
		message.append(NL)
			.append("Every connection and task on a blocked loop waits. Move the blocking work off the loop "
					+ "with @Blocking or BlockingBridge.spawn(...).");
		return message.toString();
	}

	private static void appendEpisode(StringBuilder message, StallReport report) {
		List<String> frames = report.stack().stream().map(StallMessage::withoutModule).toList();
		int first = firstApplicationFrame(frames);
		switch (report.kind()) {
			case BLOCKING_CALL -> message.append("blocking call on event loop '")
				.append(report.thread())
				.append("', caught by BlockHound");
			default -> {
				message.append("event loop '")
					.append(report.thread())
					.append("' stalled for ")
					.append(report.duration().toMillis())
					.append(" ms");
				if (!report.ended()) {
					message.append(" and still stalled when the test ended");
				}
			}
		}
		if (frames.isEmpty()) {
			message.append("; its stack could not be read: the stall ended between two rounds of the watchdog");
			return;
		}
		if (first > 0) {
			message.append(", in ").append(method(frames.get(0)));
		}
		int start = Math.max(first, 0);
		int end = Math.min(frames.size(), start + MAX_FRAMES);
		for (int i = start; i < end; i++) {
			message.append(NL).append("\tat ").append(frames.get(i));
		}
		if (end < frames.size()) {
			message.append(NL).append("\t... ").append(frames.size() - end).append(" more");
		}
	}

	/**
	 * Index of the first frame of application code, -1 when there is none.
	 */
	static int firstApplicationFrame(List<String> frames) {
		for (int i = 0; i < frames.size(); i++) {
			if (isApplicationFrame(frames.get(i))) {
				return i;
			}
		}
		return -1;
	}

	static boolean isApplicationFrame(String frame) {
		if (frame.contains("$$SpringCGLIB$$")) {
			return false;
		}
		for (String prefix : FRAMEWORK_PREFIXES) {
			if (frame.startsWith(prefix)) {
				return false;
			}
		}
		return true;
	}

	/**
	 * A frame as {@link StackTraceElement#toString()} writes it, without the class loader and
	 * module part ({@code java.base/java.lang.Thread.sleep(...)}).
	 */
	static String withoutModule(String frame) {
		int paren = frame.indexOf('(');
		int slash = frame.lastIndexOf('/', (paren >= 0) ? paren : frame.length() - 1);
		return (slash >= 0) ? frame.substring(slash + 1) : frame;
	}

	private static String method(String frame) {
		int paren = frame.indexOf('(');
		return (paren >= 0) ? frame.substring(0, paren) : frame;
	}

}
