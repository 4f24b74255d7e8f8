package dev.bridge.autoconfigure;

import java.time.Duration;

/**
 * Prints a duration the way it is written in properties ({@code 0s}, {@code 300ms},
 * {@code 106752d}) rather than ISO-8601 ({@code PT0S}), for start-up messages.
 */
final class DurationText {

	/**
	 * The longest duration that still fits in nanoseconds: what executors, timers and Reactor
	 * operators convert durations to.
	 */
	static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

	private static final long[] UNIT_SECONDS = { 86_400, 3_600, 60, 1 };

	private static final String[] UNIT_SUFFIXES = { "d", "h", "m", "s" };

	private DurationText() {
	}

	static String print(Duration duration) {
		if (duration.isNegative()) {
			return "-" + print(duration.negated());
		}
		if (duration.isZero()) {
			return "0s";
		}
		long seconds = duration.getSeconds();
		int nanos = duration.getNano();
		if (nanos == 0) {
			for (int i = 0; i < UNIT_SECONDS.length; i++) {
				if (seconds % UNIT_SECONDS[i] == 0) {
					return (seconds / UNIT_SECONDS[i]) + UNIT_SUFFIXES[i];
				}
			}
		}
		try {
			if (nanos % 1_000_000 == 0) {
				return Math.addExact(Math.multiplyExact(seconds, 1_000L), nanos / 1_000_000) + "ms";
			}
			if (nanos % 1_000 == 0) {
				return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), nanos / 1_000) + "us";
			}
			return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos) + "ns";
		}
		catch (ArithmeticException ex) {
			return duration.toString();
		}
	}

	static boolean fitsInNanos(Duration duration) {
		return duration.compareTo(MAX) <= 0;
	}

}
