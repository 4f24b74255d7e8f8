package dev.bridge.eventloop;

import java.time.Duration;

/**
 * Probe figures of one event loop.
 *
 * @param thread the loop thread's name
 * @param group where the loop comes from ({@code reactor-netty}, {@code parallel})
 * @param lastDelay scheduling delay of the latest completed probe
 * @param maxDelay largest probe delay seen
 * @param stalls stall episodes so far
 * @param stalledFor how long the loop has been stalled right now, {@link Duration#ZERO}
 * when it is not
 */
public record LoopStats(String thread, String group, Duration lastDelay, Duration maxDelay, long stalls,
		Duration stalledFor) {
}
