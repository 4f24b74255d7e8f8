package dev.bridge.settings;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Prints a duration the way it is written in properties ({@code 0s}, {@code 300ms},
 * {@code 106752d}) rather than ISO-8601 ({@code PT0S}), for start-up messages.
 */
public final class DurationText {

	/**
	 * The longest duration that still fits in nanoseconds: what executors, timers and Reactor
	 * operators convert durations to.
	 */
	public static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

	private static final long[] UNIT_SECONDS = { 86_400, 3_600, 60, 1 };

	private static final String[] UNIT_SUFFIXES = { "d", "h", "m", "s" };

	private DurationText() {
	}

	/**
	 * A duration as users write it in properties ({@code 0s}, {@code 100ms}, {@code 2m}),
	 * not ISO-8601 ({@code PT0S}).
	 * @param duration the duration
	 * @return the text
	 */
	public static String print(Duration duration) {
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

	/**
	 * Whether a duration fits in nanoseconds, the unit executors, timers and Reactor
	 * operators convert to (a longer one overflows at run time).
	 * @param duration the duration
	 * @return {@code true} if it fits
	 */
	public static boolean fitsInNanos(Duration duration) {
		return duration.compareTo(MAX) <= 0;
	}

	/**
	 * The rule every duration setting follows: at least {@code min}, and short enough for
	 * nanoseconds.
	 * @param value the configured value, {@code null} if unset
	 * @param min the smallest allowed value
	 * @return what is wrong, with the value as written, or {@code null} if nothing is
	 */
	public static @Nullable String problem(@Nullable Duration value, Duration min) {
		if (value == null) {
			return "must be set";
		}
		if (value.compareTo(min) < 0) {
			String bound = min.isZero() ? "must be positive or zero"
					: min.equals(Duration.ofNanos(1)) ? "must be strictly positive" : "must be at least " + print(min);
			return bound + ", was " + print(value);
		}
		if (!fitsInNanos(value)) {
			return "must be at most " + print(Duration.ofDays(106_751))
					+ " (the longest duration in nanoseconds), was " + print(value);
		}
		return null;
	}

}
