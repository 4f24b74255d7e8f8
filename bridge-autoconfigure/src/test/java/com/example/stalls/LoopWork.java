package com.example.stalls;

import java.util.concurrent.TimeUnit;

/**
 * Application code that misbehaves on an event loop, in a package of its own so that the
 * watchdog sees it as the application's.
 */
public final class LoopWork {

	private static volatile long sink;

	private LoopWork() {
	}

	/**
	 * A blocking legacy call.
	 * @param millis how long it blocks
	 */
	public static void fetchFromLegacySystem(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * CPU-heavy work that runs until the loop thread has used {@code cpuMillis} of CPU time,
	 * however long that takes on a loaded machine.
	 * @param cpuMillis CPU time to burn
	 */
	public static void renderReport(long cpuMillis) {
		java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
		long until = threads.getCurrentThreadCpuTime() + TimeUnit.MILLISECONDS.toNanos(cpuMillis);
		long wallLimit = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		long x = 1;
		// The thread's CPU time is read about once a millisecond, not after every few
		// microseconds of work: a flight-recorder sample that finds the thread inside that
		// native read is not an execution sample of this method.
		long nextCheck = 0;
		while (System.nanoTime() < wallLimit) {
			long now = System.nanoTime();
			if (now >= nextCheck) {
				if (threads.getCurrentThreadCpuTime() >= until) {
					break;
				}
				nextCheck = now + TimeUnit.MILLISECONDS.toNanos(1);
			}
			for (int i = 0; i < 10_000; i++) {
				x = x * 6364136223846793005L + 1442695040888963407L;
			}
		}
		sink = x;
	}

}
