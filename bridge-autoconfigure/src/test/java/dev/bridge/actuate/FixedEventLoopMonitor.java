package dev.bridge.actuate;

import java.util.List;

import dev.bridge.eventloop.EventLoopMonitor;
import dev.bridge.eventloop.LoopStats;
import dev.bridge.eventloop.StallReport;

/**
 * An {@link EventLoopMonitor} that reports fixed figures, standing in for the watchdog.
 */
record FixedEventLoopMonitor(List<LoopStats> loops, List<StallReport> recentStalls, double currentStallSeconds,
		long blockingCalls) implements EventLoopMonitor {

	static FixedEventLoopMonitor quiet(List<LoopStats> loops) {
		return new FixedEventLoopMonitor(loops, List.of(), 0, 0);
	}

}
