package dev.bridge.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.bridge.eventloop.LoopCallEvent;
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

	/**
	 * Distinct call sites listed in strict mode.
	 */
	static final int MAX_CALL_SITES = 10;

	private static final String NL = System.lineSeparator();

	private StallMessage() {
	}

	static String of(String test, Duration threshold, List<StallReport> stalls) {
		return of(test, threshold, stalls, List.of());
	}

	static String of(String test, Duration threshold, List<StallReport> stalls, List<LoopCallEvent> calls) {
		StringBuilder message = new StringBuilder();
		message.append(test)
			.append(" blocked ")
			.append((stalls.size() + calls.size() == 1) ? "an event loop" : "event loops")
			.append(" (@NoEventLoopBlocking, threshold ")
			.append(WatchSettings.format(threshold));
		if (!calls.isEmpty()) {
			message.append(", strict");
		}
		message.append(")");
		if (!stalls.isEmpty()) {
			message.append(", ").append(count(stalls.size(), "episode")).append(":");
			int number = 1;
			for (StallReport report : stalls) {
				message.append(NL).append(number++).append(") ");
				appendEpisode(message, report);
			}
		}
		if (!calls.isEmpty()) {
			appendCalls(message, calls, stalls.isEmpty());
		}
		message.append(NL)
			.append("Every connection and task on a blocked loop waits. Move the blocking work off the loop "
					+ "with @Blocking or BlockingBridge.spawn(...).");
		return message.toString();
	}

	private static String count(int count, String noun) {
		return count + " " + noun + ((count == 1) ? "" : "s");
	}

	/**
	 * Short blocking calls seen by the call-site recorder, one entry per call site.
	 */
	private static void appendCalls(StringBuilder message, List<LoopCallEvent> calls, boolean first) {
		Map<List<Object>, List<LoopCallEvent>> sites = new LinkedHashMap<>();
		for (LoopCallEvent call : calls) {
			sites.computeIfAbsent(List.of(call.kind(), call.stack()), (key) -> new ArrayList<>()).add(call);
		}
		message.append(first ? ", " : NL + "and ")
			.append(count(calls.size(), "short blocking call"))
			.append(" from ")
			.append(count(sites.size(), "place"))
			.append(":");
		int number = 1;
		for (List<LoopCallEvent> site : sites.values()) {
			if (number > MAX_CALL_SITES) {
				message.append(NL).append("... ").append(count(sites.size() - MAX_CALL_SITES, "more place"));
				break;
			}
			LoopCallEvent call = site.get(0);
			Duration longest = site.stream().map(LoopCallEvent::duration).max(Duration::compareTo).orElseThrow();
			message.append(NL)
				.append("call ")
				.append(number++)
				.append(") ")
				.append(call.kind())
				.append(" on event loop '")
				.append(call.thread())
				.append("', ")
				.append((site.size() == 1) ? "once" : site.size() + " times")
				.append(", longest ")
				.append(longest.toNanos() / 1000 / 1000.0)
				.append(" ms");
			appendFrames(message, call.stack().stream().map(StackTraceElement::toString).toList());
		}
	}

	private static void appendEpisode(StringBuilder message, StallReport report) {
		switch (report.kind()) {
			case BLOCKING_CALL -> message.append("blocking call on event loop '")
				.append(report.thread())
				.append("', caught by BlockHound");
			default -> {
				message.append("event loop '")
					.append(report.thread())
					.append("' stalled for ")
					.append(report.duration().toMillis())
					.append(" ms (")
					.append(report.cause().tagValue())
					.append(")");
				if (!report.ended()) {
					message.append(" and still stalled when the test ended");
				}
			}
		}
		if (report.stack().isEmpty()) {
			message.append("; its stack could not be read: the stall ended between two rounds of the watchdog");
			return;
		}
		appendFrames(message, report.stack());
	}

	/**
	 * The frames from the first application frame outwards, naming the innermost method when
	 * it is not application code ({@code in java.lang.Thread.sleep}).
	 */
	private static void appendFrames(StringBuilder message, List<String> stack) {
		List<String> frames = stack.stream().map(StackFrames::withoutModule).toList();
		if (frames.isEmpty()) {
			return;
		}
		int first = StackFrames.firstApplicationFrame(frames);
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

	private static String method(String frame) {
		int paren = frame.indexOf('(');
		return (paren >= 0) ? frame.substring(0, paren) : frame;
	}

}
