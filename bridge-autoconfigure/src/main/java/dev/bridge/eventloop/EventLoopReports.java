package dev.bridge.eventloop;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bridge.eventloop.StallReport.Kind;

/**
 * The one channel through which Bridge reports trouble on event loops: stalls found by the
 * {@link EventLoopWatchdog}, pauses of the whole JVM, and blocking calls caught by
 * BlockHound ({@link BridgeBlockHoundIntegration}). Each is logged (one WARN per episode,
 * with the stack that blocks the loop), counted, and kept: the latest
 * {@value #MAX_REPORTS} reports, newest first, for the Actuator endpoint.
 * <p>
 * Meters, when a {@link MeterRegistry} is given: {@code bridge.eventloop.stalls} (stall
 * episodes) and {@code bridge.eventloop.blocking.calls} (blocking calls caught on loops).
 */
public class EventLoopReports {

	/**
	 * How many reports are kept.
	 */
	public static final int MAX_REPORTS = 20;

	static final String STALLS_METER = "bridge.eventloop.stalls";

	static final String BLOCKING_CALLS_METER = "bridge.eventloop.blocking.calls";

	/**
	 * Distinct call sites whose blocking calls are logged at WARN; beyond that every call is,
	 * so that a flood of new sites stays visible while memory stays bounded.
	 */
	private static final int MAX_LOGGED_CALL_SITES = 1024;

	private static final Log logger = LogFactory.getLog(EventLoopReports.class);

	private final Clock clock;

	private final LongSupplier nanoClock;

	// guarded by itself; newest first
	private final Deque<Entry> entries = new ArrayDeque<>(MAX_REPORTS);

	private final LongAdder stalls = new LongAdder();

	private final LongAdder blockingCalls = new LongAdder();

	private final LongAdder jvmPauses = new LongAdder();

	private final Set<Integer> loggedCallSites = ConcurrentHashMap.newKeySet();

	private final @Nullable Counter stallsCounter;

	private final @Nullable Counter blockingCallsCounter;

	/**
	 * A channel that counts into {@code registry}.
	 * @param registry where the counters go, {@code null} for none
	 */
	public EventLoopReports(@Nullable MeterRegistry registry) {
		this(registry, Clock.systemUTC(), System::nanoTime);
	}

	EventLoopReports(@Nullable MeterRegistry registry, Clock clock, LongSupplier nanoClock) {
		this.clock = clock;
		this.nanoClock = nanoClock;
		if (registry != null) {
			this.stallsCounter = Counter.builder(STALLS_METER)
				.description("Episodes in which an event loop did not run the watchdog's probe in time")
				.baseUnit("stalls")
				.register(registry);
			this.blockingCallsCounter = Counter.builder(BLOCKING_CALLS_METER)
				.description("Blocking calls caught on event-loop threads by BlockHound")
				.baseUnit("calls")
				.register(registry);
		}
		else {
			this.stallsCounter = null;
			this.blockingCallsCounter = null;
		}
	}

	/**
	 * Receives what the reports see, on the thread that sees it (the watchdog's, a loop's for
	 * BlockHound, the call-site recorder's): keep it short and never block.
	 */
	public interface EventLoopListener {

		/**
		 * A report is final: once per stall episode when it ends (or when the watchdog stops
		 * while it lasts), once per JVM pause, once per blocking call caught by BlockHound.
		 * @param report the report
		 */
		default void onStall(StallReport report) {
		}

		/**
		 * A call on an event-loop thread recorded by the call-site recorder.
		 * @param event the call
		 */
		default void onCallSite(LoopCallEvent event) {
		}

	}

	private final java.util.List<EventLoopListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

	/**
	 * Adds a listener until the returned handle is closed.
	 * @param listener the listener
	 * @return closing it removes the listener
	 */
	public AutoCloseable addListener(EventLoopListener listener) {
		java.util.Objects.requireNonNull(listener, "listener must not be null");
		this.listeners.add(listener);
		return () -> this.listeners.remove(listener);
	}

	// ---- what the watchdog reports --------------------------------------------------------

	/**
	 * A loop has not run its probe for {@code stalledNanos}: logs one WARN with its stack.
	 * @param thread the loop thread's name
	 * @param startNanos when the probe was posted
	 * @param stalledNanos how long the loop has been stalled so far
	 * @param threshold the configured threshold, for the message
	 * @param stack the loop thread's live stack
	 * @param recoveredWhileRead whether the probe ran while the stack was read, so that the
	 * frames may show later work
	 * @return the episode, to end with {@link #stallEnded}
	 */
	Entry stallStarted(String thread, long startNanos, long stalledNanos, Duration threshold,
			StackTraceElement[] stack, boolean recoveredWhileRead) {
		List<String> frames = frames(stack);
		Entry entry = add(Kind.LOOP_STALL, thread, startNanos, frames);
		count(this.stalls, this.stallsCounter);
		if (logger.isWarnEnabled()) {
			StringBuilder message = new StringBuilder();
			message.append("Event loop thread '")
				.append(thread)
				.append("' has been stalled for ")
				.append(millis(stalledNanos))
				.append(" (bridge.eventloop.watchdog.threshold=")
				.append(threshold.toMillis())
				.append("ms): every connection and task on it waits. Move the blocking work below off the loop "
						+ "with @Blocking or BlockingBridge.spawn(...).");
			if (frames.isEmpty()) {
				message.append(" Its stack is unknown: the thread has not run a probe since the watchdog started.");
			}
			else if (recoveredWhileRead) {
				message.append(" The loop recovered while its stack was read, so these frames may show later work.");
			}
			appendFrames(message, frames);
			logger.warn(message);
		}
		return entry;
	}

	/**
	 * A stalled loop ran its probe again: logs one INFO line with the episode's length.
	 * @param episode the episode from {@link #stallStarted}
	 * @param endNanos when the probe ran
	 */
	void stallEnded(Entry episode, long endNanos) {
		long length = Math.max(0, endNanos - episode.startNanos);
		episode.end(length);
		if (logger.isInfoEnabled()) {
			logger.info("Event loop thread '" + episode.thread + "' is running again after a stall of "
					+ millis(length) + ".");
		}
	}

	/**
	 * A loop ran its probe late, by more than the threshold, but between two rounds of the
	 * watchdog, so that its stack could not be read.
	 * @param thread the loop thread's name
	 * @param startNanos when the probe was posted
	 * @param lengthNanos how late it ran
	 * @param threshold the configured threshold, for the message
	 * @param interval the configured interval, for the message
	 */
	void stallMissed(String thread, long startNanos, long lengthNanos, Duration threshold, Duration interval) {
		Entry entry = add(Kind.LOOP_STALL, thread, startNanos, List.of());
		entry.end(lengthNanos);
		count(this.stalls, this.stallsCounter);
		if (logger.isWarnEnabled()) {
			logger.warn("Event loop thread '" + thread + "' was stalled for " + millis(lengthNanos)
					+ " (bridge.eventloop.watchdog.threshold=" + threshold.toMillis()
					+ "ms) but recovered before the watchdog could read its stack. Lower "
					+ "bridge.eventloop.watchdog.interval (now " + interval.toMillis()
					+ "ms) to catch such stalls with the frames that cause them.");
		}
	}

	/**
	 * The watchdog itself woke up late: the whole JVM was paused (GC, safepoint) or starved
	 * of CPU, so the loops are not to blame.
	 * @param startNanos when the watchdog should have woken up
	 * @param lengthNanos how late it woke up
	 */
	void jvmPause(long startNanos, long lengthNanos) {
		Entry entry = add(Kind.JVM_PAUSE, null, startNanos, List.of());
		entry.end(lengthNanos);
		this.jvmPauses.increment();
		if (logger.isWarnEnabled()) {
			logger.warn("The JVM paused for about " + millis(lengthNanos) + ": the event-loop watchdog thread '"
					+ EventLoopWatchdog.THREAD_NAME + "' woke up that late, which points at garbage collection, "
					+ "a safepoint or CPU starvation rather than at an event loop, so no loop is blamed for it. "
					+ "Check the jvm.gc.pause metric and the host's CPU.");
		}
	}

	// ---- what BlockHound reports ----------------------------------------------------------

	/**
	 * A blocking call was caught on an event-loop thread. It is counted and kept every time
	 * and logged at WARN once per call site (further calls from the same site at DEBUG), so
	 * that a blocking call in a hot path does not flood the log from the loop itself.
	 * @param thread the loop thread
	 * @param method the blocking method, such as {@code java.lang.Thread.sleep}
	 * @param stack the loop's stack, the blocking method first
	 */
	public void blockingCall(Thread thread, String method, StackTraceElement[] stack) {
		List<String> frames = frames(stack);
		add(Kind.BLOCKING_CALL, thread.getName(), this.nanoClock.getAsLong(), frames).end(0);
		count(this.blockingCalls, this.blockingCallsCounter);
		boolean sitesFull = this.loggedCallSites.size() >= MAX_LOGGED_CALL_SITES;
		boolean firstFromSite = !sitesFull && this.loggedCallSites.add(Arrays.hashCode(stack));
		boolean warn = firstFromSite || sitesFull;
		if (warn ? logger.isWarnEnabled() : logger.isDebugEnabled()) {
			StringBuilder message = new StringBuilder();
			message.append("Blocking call ")
				.append(method)
				.append(" on event-loop thread '")
				.append(thread.getName())
				.append("' (caught by BlockHound, bridge.blockhound.enabled=true): it holds up every connection "
						+ "and task on that loop. Move it off the loop with @Blocking or BlockingBridge.spawn(...).");
			if (firstFromSite) {
				message.append(" Further calls from this place are counted, not logged.");
			}
			appendFrames(message, frames);
			if (warn) {
				logger.warn(message);
			}
			else {
				logger.debug(message);
			}
		}
	}

	// ---- what the endpoint reads ----------------------------------------------------------

	/**
	 * The latest reports, newest first; an episode that is still going reports how long it
	 * has lasted so far.
	 * @return at most {@value #MAX_REPORTS} reports
	 */
	public List<StallReport> recentStalls() {
		List<Entry> snapshot;
		synchronized (this.entries) {
			snapshot = new ArrayList<>(this.entries);
		}
		long now = this.nanoClock.getAsLong();
		List<StallReport> reports = new ArrayList<>(snapshot.size());
		for (Entry entry : snapshot) {
			reports.add(entry.toReport(now));
		}
		return reports;
	}

	/**
	 * Stall episodes of event loops since start-up.
	 * @return the count
	 */
	public long stalls() {
		return this.stalls.sum();
	}

	/**
	 * Blocking calls caught on event loops since start-up.
	 * @return the count
	 */
	public long blockingCalls() {
		return this.blockingCalls.sum();
	}

	/**
	 * Pauses of the whole JVM seen by the watchdog since start-up.
	 * @return the count
	 */
	public long jvmPauses() {
		return this.jvmPauses.sum();
	}

	/**
	 * A monitor with no loops of its own, for when the watchdog is off: it still shows the
	 * blocking calls that BlockHound catches.
	 * @return the monitor
	 */
	public EventLoopMonitor withoutWatchdog() {
		return new ReportsOnlyMonitor(this);
	}

	private Entry add(Kind kind, @Nullable String thread, long startNanos, List<String> frames) {
		Instant startedAt = this.clock.instant().minusNanos(Math.max(0, this.nanoClock.getAsLong() - startNanos));
		Entry entry = new Entry(kind, thread, startedAt, startNanos, frames);
		synchronized (this.entries) {
			if (this.entries.size() == MAX_REPORTS) {
				this.entries.removeLast();
			}
			this.entries.addFirst(entry);
		}
		return entry;
	}

	private static void count(LongAdder adder, @Nullable Counter counter) {
		adder.increment();
		if (counter != null) {
			counter.increment();
		}
	}

	private static List<String> frames(StackTraceElement[] stack) {
		List<String> frames = new ArrayList<>(stack.length);
		for (StackTraceElement element : stack) {
			frames.add(element.toString());
		}
		return List.copyOf(frames);
	}

	private static void appendFrames(StringBuilder message, List<String> frames) {
		for (String frame : frames) {
			message.append(System.lineSeparator()).append("\tat ").append(frame);
		}
	}

	static String millis(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
	}

	/**
	 * One report while it is being written: an episode that is still going has no length yet.
	 */
	static final class Entry {

		private final Kind kind;

		private final @Nullable String thread;

		private final Instant startedAt;

		private final long startNanos;

		private final List<String> stack;

		private volatile long lengthNanos = -1;

		Entry(Kind kind, @Nullable String thread, Instant startedAt, long startNanos, List<String> stack) {
			this.kind = kind;
			this.thread = thread;
			this.startedAt = startedAt;
			this.startNanos = startNanos;
			this.stack = stack;
		}

		Entry end(long lengthNanos) {
			this.lengthNanos = lengthNanos;
			return this;
		}

		boolean ended() {
			return this.lengthNanos >= 0;
		}

		StallReport toReport(long nowNanos) {
			long length = this.lengthNanos;
			boolean ended = length >= 0;
			Duration duration = Duration.ofNanos(ended ? length : Math.max(0, nowNanos - this.startNanos));
			StallCause cause = (this.kind == Kind.JVM_PAUSE) ? StallCause.JVM_PAUSE : StallCause.BLOCKED;
			return new StallReport(this.kind, cause, this.thread, this.startedAt, duration, ended, this.stack,
					List.of(), "");
		}

	}

	/**
	 * What the endpoint sees when the watchdog is off.
	 */
	private static final class ReportsOnlyMonitor implements EventLoopMonitor {

		private final EventLoopReports reports;

		ReportsOnlyMonitor(EventLoopReports reports) {
			this.reports = reports;
		}

		@Override
		public List<LoopStats> loops() {
			return List.of();
		}

		@Override
		public List<StallReport> recentStalls() {
			return this.reports.recentStalls();
		}

		@Override
		public double currentStallSeconds() {
			return 0;
		}

		@Override
		public long blockingCalls() {
			return this.reports.blockingCalls();
		}

	}

}
