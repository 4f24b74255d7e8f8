package dev.bridge.eventloop;

import java.util.List;

/**
 * What Bridge knows of the application's event loops: per-loop probe figures, the latest
 * stall reports and blocking calls caught on loops. Implemented by the watchdog; read by the
 * Actuator endpoint and health contributor.
 */
public interface EventLoopMonitor {

	/**
	 * Figures of each probed loop.
	 * @return one entry per loop thread
	 */
	List<LoopStats> loops();

	/**
	 * The latest stall reports, newest first (at most 20).
	 * @return the reports
	 */
	List<StallReport> recentStalls();

	/**
	 * Seconds the most-stalled loop has been stuck right now, 0 when none is.
	 * @return the current stall
	 */
	double currentStallSeconds();

	/**
	 * Blocking calls caught on event loops (BlockHound), since start-up.
	 * @return the count
	 */
	long blockingCalls();

}
