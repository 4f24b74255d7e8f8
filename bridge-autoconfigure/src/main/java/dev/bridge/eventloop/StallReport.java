package dev.bridge.eventloop;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One stall episode of an event loop, or a pause of the whole JVM.
 *
 * @param kind what was seen
 * @param thread the stalled loop thread's name ({@code null} for a JVM pause)
 * @param startedAt when the stall began (the probe was due)
 * @param duration how long it lasted, or has lasted so far if still going
 * @param ended whether the episode is over
 * @param stack the loop thread's live stack when the stall was detected, outermost last
 */
public record StallReport(Kind kind, @Nullable String thread, Instant startedAt, Duration duration, boolean ended,
		List<String> stack) {

	/**
	 * What a report is about.
	 */
	public enum Kind {

		/** An event loop did not run a probe in time. */
		LOOP_STALL,

		/** A blocking call caught on a loop (BlockHound). */
		BLOCKING_CALL,

		/** The whole JVM paused (GC, safepoint): the watchdog itself woke late. */
		JVM_PAUSE

	}

}
