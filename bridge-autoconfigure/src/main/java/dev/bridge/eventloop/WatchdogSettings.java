package dev.bridge.eventloop;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.bridge.settings.DurationText;

/**
 * Settings of the {@link EventLoopWatchdog}, each rule held once: the record checks itself
 * and {@code BridgeProperties} asks the same rules, so that a bad value fails start-up with
 * a message naming the property as users write it.
 *
 * @param interval how often each loop is probed ({@code bridge.eventloop.watchdog.interval}),
 * at least 1 ms
 * @param threshold probe delay that counts as a stall
 * ({@code bridge.eventloop.watchdog.threshold})
 * @param startupGrace time after start during which nothing is reported
 * ({@code bridge.eventloop.watchdog.startup-grace})
 */
public record WatchdogSettings(Duration interval, Duration threshold, Duration startupGrace) {

	/**
	 * Prefix of the watchdog's properties.
	 */
	public static final String PREFIX = "bridge.eventloop.watchdog.";

	/**
	 * Shortest interval: the watchdog's clock and parking are not finer.
	 */
	public static final Duration MIN_INTERVAL = Duration.ofMillis(1);

	/**
	 * Probe period unless configured.
	 */
	public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(50);

	/**
	 * Stall threshold unless configured.
	 */
	public static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(100);

	/**
	 * Start-up grace unless configured.
	 */
	public static final Duration DEFAULT_STARTUP_GRACE = Duration.ofSeconds(5);

	public WatchdogSettings {
		check("interval", intervalProblem(interval));
		check("threshold", thresholdProblem(threshold));
		check("startup-grace", startupGraceProblem(startupGrace));
	}

	/**
	 * The defaults.
	 * @return the settings
	 */
	public static WatchdogSettings defaults() {
		return new WatchdogSettings(DEFAULT_INTERVAL, DEFAULT_THRESHOLD, DEFAULT_STARTUP_GRACE);
	}

	private static void check(String property, @Nullable String problem) {
		if (problem != null) {
			throw new IllegalArgumentException(PREFIX + property + " " + problem);
		}
	}

	/**
	 * What is wrong with an interval.
	 * @param interval the value
	 * @return the problem, such as {@code must be at least 1ms, was PT0S}, or {@code null}
	 */
	public static @Nullable String intervalProblem(@Nullable Duration interval) {
		return DurationText.problem(interval, MIN_INTERVAL);
	}

	/**
	 * What is wrong with a threshold.
	 * @param threshold the value
	 * @return the problem, or {@code null}
	 */
	public static @Nullable String thresholdProblem(@Nullable Duration threshold) {
		return DurationText.problem(threshold, MIN_INTERVAL);
	}

	/**
	 * What is wrong with a start-up grace.
	 * @param startupGrace the value
	 * @return the problem, or {@code null}
	 */
	public static @Nullable String startupGraceProblem(@Nullable Duration startupGrace) {
		return DurationText.problem(startupGrace, Duration.ZERO);
	}

}
