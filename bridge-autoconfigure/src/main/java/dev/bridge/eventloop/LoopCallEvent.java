package dev.bridge.eventloop;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One call on an event-loop thread seen by JDK Flight Recorder: a blocking call (however
 * short, above the recorder's threshold) or a CPU sample.
 *
 * @param thread the loop thread's name
 * @param at when the call started
 * @param duration how long it blocked; for a CPU sample ({@code kind} {@code cpu}), the
 * sampling period it stands for
 * @param kind what the loop did: {@code sleep}, {@code socket-read}, {@code socket-write},
 * {@code file-read}, {@code file-write}, {@code monitor-enter}, {@code monitor-wait},
 * {@code park} or {@code cpu}
 * @param stack the loop's stack at the call, innermost first
 */
public record LoopCallEvent(String thread, Instant at, Duration duration, String kind,
		List<StackTraceElement> stack) {

	/**
	 * Kind of a CPU sample.
	 */
	public static final String CPU = "cpu";

	public LoopCallEvent {
		Objects.requireNonNull(thread, "thread must not be null");
		Objects.requireNonNull(at, "at must not be null");
		Objects.requireNonNull(duration, "duration must not be null");
		Objects.requireNonNull(kind, "kind must not be null");
		stack = List.copyOf(stack);
	}

	/**
	 * Whether the loop waited rather than ran code.
	 * @return {@code false} for a CPU sample
	 */
	public boolean blocking() {
		return !CPU.equals(this.kind);
	}

}
