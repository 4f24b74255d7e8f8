package dev.bridge.test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.jspecify.annotations.Nullable;
import org.opentest4j.AssertionFailedError;

import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopReports.EventLoopListener;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.LoopCallEvent;
import dev.bridge.eventloop.LoopCallRecorder;
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

	/**
	 * How long JDK Flight Recorder may keep recorded events before it hands them to a
	 * stream: it flushes about once a second.
	 */
	private static final Duration JFR_FLUSH = Duration.ofMillis(1500);

	private final EventLoopWatchdog watchdog;

	private final String owner;

	// the JFR recorder this watch started for strict mode, if any
	private volatile @Nullable LoopCallRecorder recorder;

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
	 * Starts recording short blocking calls on this watch's loops with JDK Flight Recorder,
	 * for strict mode, unless the application context does it already.
	 */
	synchronized void recordCalls() {
		if (this.recorder == null) {
			LoopCallRecorder recorder = new LoopCallRecorder(reports(), this.watchdog, LoopCallRecorder.DEFAULT_THRESHOLD);
			recorder.start();
			this.recorder = recorder;
		}
	}

	/**
	 * Opens a window now.
	 * @param threshold shortest stall that counts
	 * @return the window
	 */
	Window open(Duration threshold) {
		checkRunning();
		return new Window(threshold);
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
	 * What the watchdog reported from one point in time on: the final reports through a
	 * listener (every one, however many), and at the end the episodes still going, which
	 * the listener only gets once they are over.
	 */
	final class Window implements EventLoopListener {

		private final Duration threshold;

		private final Instant start = Instant.now();

		private final Queue<StallReport> reports = new ConcurrentLinkedQueue<>();

		private final Queue<LoopCallEvent> calls = new ConcurrentLinkedQueue<>();

		private final AutoCloseable registration;

		Window(Duration threshold) {
			this.threshold = threshold;
			this.registration = reports().addListener(this);
		}

		@Override
		public void onStall(StallReport report) {
			if (counts(report)) {
				this.reports.add(report);
			}
		}

		@Override
		public void onCallSite(LoopCallEvent event) {
			if (event.blocking() && !event.at().isBefore(this.start)
					&& StackFrames.blamesApplication(event.stack().stream().map(StackTraceElement::toString).toList())) {
				this.calls.add(event);
			}
		}

		/**
		 * Closes the window: waits until a stall that began inside it has had the time to
		 * reach the watchdog's threshold and to be seen by a round, then returns the reports
		 * that blame code, oldest first.
		 * @return the stalls and blocking calls that began inside the window
		 */
		Result close() {
			return close(false);
		}

		/**
		 * Closes the window, like {@link #close()}; with {@code calls}, also waits for JDK
		 * Flight Recorder to hand over the calls made inside it (it does so about once a
		 * second).
		 * @param withCalls whether the recorded calls are wanted
		 * @return the stalls and blocking calls that began inside the window
		 */
		Result close(boolean withCalls) {
			long end = System.nanoTime();
			try {
				awaitRounds(end + LoopWatch.this.watchdog.getThreshold().toNanos());
				if (withCalls) {
					long flushed = end + JFR_FLUSH.toNanos();
					long now;
					while ((now = System.nanoTime()) < flushed) {
						LockSupport.parkNanos(flushed - now);
					}
				}
			}
			finally {
				closeRegistration();
			}
			Map<List<Object>, StallReport> byEpisode = new LinkedHashMap<>();
			for (StallReport report : this.reports) {
				byEpisode.put(key(report), report);
			}
			for (StallReport report : reports().recentStalls()) {
				if (counts(report)) {
					byEpisode.putIfAbsent(key(report), report);
				}
			}
			List<StallReport> stalls = new ArrayList<>(byEpisode.values());
			stalls.sort(Comparator.comparing(StallReport::startedAt));
			List<LoopCallEvent> calls = new ArrayList<>(this.calls);
			calls.sort(Comparator.comparing(LoopCallEvent::at));
			return new Result(List.copyOf(stalls), List.copyOf(calls));
		}

		private void closeRegistration() {
			try {
				this.registration.close();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

		private List<Object> key(StallReport report) {
			return List.of(report.kind(), String.valueOf(report.thread()), report.startedAt());
		}

		private boolean counts(StallReport report) {
			if (report.startedAt().isBefore(this.start) || !report.cause().blamesCode()
					|| !StackFrames.blamesApplication(report.stack())) {
				return false;
			}
			return switch (report.kind()) {
				case BLOCKING_CALL -> true;
				case LOOP_STALL -> report.duration().compareTo(this.threshold) >= 0;
				case JVM_PAUSE -> false;
			};
		}

	}

	/**
	 * What a window saw.
	 *
	 * @param stalls stalls and blocking calls caught by BlockHound that blame code, oldest
	 * first
	 * @param calls blocking calls on loops recorded by JDK Flight Recorder, oldest first
	 */
	record Result(List<StallReport> stalls, List<LoopCallEvent> calls) {

	}

}
