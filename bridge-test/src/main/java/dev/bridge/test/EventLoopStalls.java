package dev.bridge.test;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.junit.jupiter.api.function.Executable;

import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.StallReport;
import dev.bridge.settings.DurationText;

/**
 * The inline form of {@link NoEventLoopBlocking}: runs a block of code and returns the event
 * loop stalls (and blocking calls caught by BlockHound) that began while it ran, for
 * assertions of one's own.
 * <pre class="code">
 * assertThat(EventLoopStalls.during(() -&gt; client.get().uri("/report").exchange()))
 *     .isEmpty();
 * </pre>
 * Without a watchdog argument, Reactor Netty's global loops and {@code Schedulers.parallel()}
 * are watched by a watchdog of this module's own; in a Spring test, pass the application
 * context's {@link EventLoopWatchdog} instead.
 */
public final class EventLoopStalls {

	private EventLoopStalls() {
	}

	/**
	 * Runs {@code code} and returns the stalls of 50 ms or longer that began meanwhile on
	 * Reactor Netty's global loops or {@code Schedulers.parallel()}.
	 * @param code the code to run; what it throws is thrown unchanged
	 * @return the stalls that blame code, oldest first, empty when there was none
	 */
	public static List<StallReport> during(Executable code) {
		return during(WatchSettings.DEFAULT_THRESHOLD, code);
	}

	/**
	 * Runs {@code code} and returns the stalls of {@code threshold} or longer that began
	 * meanwhile on Reactor Netty's global loops or {@code Schedulers.parallel()}.
	 * @param threshold shortest stall that counts
	 * @param code the code to run; what it throws is thrown unchanged
	 * @return the stalls that blame code, oldest first, empty when there was none
	 */
	public static List<StallReport> during(Duration threshold, Executable code) {
		Objects.requireNonNull(threshold, "threshold must not be null");
		if (threshold.isNegative() || threshold.isZero()) {
			throw new IllegalArgumentException("threshold must be strictly positive, was " + DurationText.print(threshold));
		}
		return watch(GlobalLoopWatches.forSettings(new WatchSettings(threshold, false)), threshold, code);
	}

	/**
	 * Runs {@code code} and returns the stalls that {@code watchdog} (for example an
	 * application context's) saw begin meanwhile.
	 * @param watchdog a running watchdog
	 * @param code the code to run; what it throws is thrown unchanged
	 * @return the stalls that blame code, oldest first, empty when there was none
	 */
	public static List<StallReport> during(EventLoopWatchdog watchdog, Executable code) {
		Objects.requireNonNull(watchdog, "watchdog must not be null");
		return watch(new LoopWatch(watchdog, "EventLoopStalls.during(watchdog, ...)"), watchdog.getThreshold(), code);
	}

	private static List<StallReport> watch(LoopWatch watch, Duration threshold, Executable code) {
		Objects.requireNonNull(code, "code must not be null");
		LoopWatch.Window window = watch.open(threshold);
		try {
			code.execute();
		}
		catch (Throwable ex) {
			throw EventLoopStalls.<RuntimeException>rethrow(ex);
		}
		return window.close().stalls();
	}

	@SuppressWarnings("unchecked")
	private static <T extends Throwable> T rethrow(Throwable ex) throws T {
		throw (T) ex;
	}

}
