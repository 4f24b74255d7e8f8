package dev.bridge.test;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.opentest4j.AssertionFailedError;

import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.StallReport;

/**
 * Windows over one running {@link EventLoopWatchdog}: what it reported between the opening
 * and the closing of a window, once it has had the time to judge everything that happened
 * inside.
 */
final class LoopWatch {

	/**
	 * Longest wait for the watchdog's rounds beyond what they should take: a loaded machine
	 * may keep its thread from running for a while.
	 */
	private static final Duration PATIENCE = Duration.ofSeconds(10);

	private final EventLoopWatchdog watchdog;

	private final String owner;

	LoopWatch(EventLoopWatchdog watchdog, String owner) {
		this.watchdog = watchdog;
		this.owner = owner;
	}

	EventLoopWatchdog watchdog() {
		return this.watchdog;
	}

	EventLoopReports reports() {
		return this.watchdog.getReports();
	}

	/**
	 * Opens a window now.
	 * @param threshold shortest stall that counts
	 * @return the window
	 */
	Window open(Duration threshold) {
		checkRunning();
		return new Window(threshold, Instant.now());
	}

	/**
	 * Waits until the watchdog has finished two rounds from now, so that every loop has been
	 * probed at least once since.
	 */
	void awaitRounds() {
		awaitRounds(System.nanoTime());
	}

	private void awaitRounds(long notBefore) {
		long intervalNanos = this.watchdog.getInterval().toNanos();
		long deadline = notBefore + 4 * intervalNanos + PATIENCE.toNanos();
		long now;
		while ((now = System.nanoTime()) < notBefore) {
			LockSupport.parkNanos(notBefore - now);
		}
		long target = this.watchdog.rounds() + 2;
		while (this.watchdog.rounds() < target) {
			checkRunning();
			if (System.nanoTime() > deadline) {
				throw new AssertionFailedError("The event-loop watchdog of " + this.owner + " made no probe round in "
						+ TimeUnit.NANOSECONDS.toMillis(deadline - notBefore) + " ms, so the event loops could not be "
						+ "checked: its thread '" + EventLoopWatchdog.THREAD_NAME + "' got no CPU. Run fewer tests "
						+ "or builds at the same time.");
			}
			LockSupport.parkNanos(Math.max(intervalNanos / 4, 100_000));
		}
	}

	private void checkRunning() {
		if (!this.watchdog.isRunning()) {
			throw new AssertionFailedError("The event-loop watchdog of " + this.owner + " is not running (its "
					+ "application context was closed?), so @NoEventLoopBlocking cannot check the event loops.");
		}
	}

	/**
	 * What the watchdog reported from one point in time on.
	 */
	final class Window {

		private final Duration threshold;

		private final Instant start;

		Window(Duration threshold, Instant start) {
			this.threshold = threshold;
			this.start = start;
		}

		/**
		 * Closes the window: waits until a stall that began inside it has had the time to
		 * reach the watchdog's threshold and to be seen by a round, then returns the reports
		 * that blame code, oldest first.
		 * @return the stalls and blocking calls that began inside the window
		 */
		List<StallReport> close() {
			awaitRounds(System.nanoTime() + LoopWatch.this.watchdog.getThreshold().toNanos());
			return reports().recentStalls()
				.stream()
				.filter(this::counts)
				.sorted(Comparator.comparing(StallReport::startedAt))
				.toList();
		}

		private boolean counts(StallReport report) {
			if (report.startedAt().isBefore(this.start)) {
				return false;
			}
			return switch (report.kind()) {
				case BLOCKING_CALL -> true;
				case LOOP_STALL -> report.duration().compareTo(this.threshold) >= 0;
				case JVM_PAUSE -> false;
			};
		}

	}

}
