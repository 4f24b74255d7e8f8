package dev.bridge.test;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.time.Duration;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;

import org.springframework.boot.convert.DurationStyle;

/**
 * The settings of one {@link NoEventLoopBlocking} annotation, checked.
 *
 * @param threshold shortest stall that fails a test
 * @param strict whether short blocking calls fail a test too
 */
record WatchSettings(Duration threshold, boolean strict) {

	static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(50);

	/**
	 * Longest probe interval: the watchdog's default.
	 */
	private static final Duration MAX_INTERVAL = Duration.ofMillis(50);

	static WatchSettings of(NoEventLoopBlocking annotation, AnnotatedElement element) {
		return new WatchSettings(threshold(annotation.threshold(), element), annotation.strict());
	}

	/**
	 * How often a watchdog probes for this threshold: a quarter of it (at most the watchdog's
	 * default 50 ms), so that a stall just over the threshold is still caught while it lasts,
	 * with the stack that causes it.
	 */
	Duration interval() {
		Duration quarter = this.threshold.dividedBy(4);
		if (quarter.compareTo(Duration.ofMillis(1)) < 0) {
			return Duration.ofMillis(1);
		}
		return (quarter.compareTo(MAX_INTERVAL) > 0) ? MAX_INTERVAL : quarter;
	}

	static Duration threshold(String value, AnnotatedElement element) {
		Duration threshold;
		try {
			threshold = DurationStyle.detectAndParse(value.trim());
		}
		catch (IllegalArgumentException ex) {
			throw new ExtensionConfigurationException(describe(element) + " has threshold \"" + value
					+ "\", which is not a duration: write it like \"50ms\", \"200ms\" or \"PT0.1S\"");
		}
		if (threshold.isNegative() || threshold.isZero()) {
			throw new ExtensionConfigurationException(describe(element) + " has threshold \"" + value
					+ "\", which is not strictly positive: use a positive duration such as \"50ms\"");
		}
		return threshold;
	}

	static String describe(AnnotatedElement element) {
		String where;
		if (element instanceof Method method) {
			where = method.getDeclaringClass().getName() + "." + method.getName() + "()";
		}
		else if (element instanceof Class<?> type) {
			where = type.getName();
		}
		else {
			where = element.toString();
		}
		return "@NoEventLoopBlocking on " + where;
	}

	static String format(Duration duration) {
		long millis = duration.toMillis();
		return (Duration.ofMillis(millis).equals(duration)) ? millis + "ms" : duration.toString();
	}

}
