package dev.bridge.eventloop;

import java.time.Duration;

/**
 * A place in code where event loops blocked or ran CPU-heavy code, as counted by the
 * {@link LoopCallRecorder}.
 *
 * @param frame the innermost application frame of the calls (the innermost frame when
 * there is none), with the line of the latest call
 * @param kind what the loops did there: {@code sleep}, {@code socket-read}, {@code cpu}, ...
 * @param blocking whether the loops waited there ({@code false} for CPU samples)
 * @param count calls (for CPU, samples)
 * @param total time they took (for CPU, samples times the sampling period)
 * @param max longest call (for CPU, the sampling period)
 */
public record LoopCallSite(String frame, String kind, boolean blocking, long count, Duration total, Duration max) {
}
