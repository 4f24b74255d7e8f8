package dev.bridge.eventloop;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One stall episode of an event loop, a pause of the whole JVM, or a blocking call caught on
 * a loop by BlockHound.
 *
 * @param kind what was seen
 * @param cause why the loop did not run in time; {@link StallCause#BLOCKED} for a blocking
 * call caught by BlockHound, {@link StallCause#JVM_PAUSE} for a JVM pause
 * @param thread the stalled loop thread's name ({@code null} for a JVM pause)
 * @param startedAt when the stall began (the probe was due)
 * @param duration how long it lasted, or has lasted so far if still going
 * @param ended whether the episode is over
 * @param stack the loop thread's whole stack when the stall was detected, innermost first;
 * empty when there is no code to blame (starved loops, JVM pauses, stalls over before the
 * watchdog looked)
 * @param culprit the frames to blame: for {@code blocked}, the application frames below the
 * blocking call (or the first frames when there is none); for {@code busy}, the frames seen
 * in every stack sample; empty when no code is blamed
 * @param evidence what the cause was decided on, for people: the loop's CPU time against the
 * episode's length, its states, the machine's CPU load and runnable threads against cores
 */
public record StallReport(Kind kind, StallCause cause, @Nullable String thread, Instant startedAt,
		Duration duration, boolean ended, List<String> stack, List<String> culprit, String evidence) {

	public StallReport {
		stack = List.copyOf(stack);
		culprit = List.copyOf(culprit);
	}

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
