package dev.bridge.eventloop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

import reactor.core.Disposable;

/**
 * Finds event loops that are stalled by blocking code, while it happens, and shows the code
 * that blocks them.
 * <p>
 * A daemon thread named {@value #THREAD_NAME} posts a tiny probe task to every loop of its
 * {@link EventLoopSource sources} each {@code interval}; the probe only notes when it ran and
 * on which thread, so it costs the loop next to nothing. A probe that has not run after
 * {@code threshold} marks a stall: the watchdog reads that loop thread's live stack and
 * reports the episode once (a WARN with the frames, the {@code bridge.eventloop.stalls}
 * counter, a {@link StallReport}); when the probe finally runs, the episode's length is
 * logged at INFO. Every probe's scheduling delay goes to the {@code bridge.eventloop.delay}
 * timer, and the {@code bridge.eventloop.stall} gauge shows how long the most-stalled loop
 * has been stuck right now.
 * <p>
 * When the watchdog thread itself wakes up late by more than {@code threshold}, the whole
 * JVM was paused (GC, safepoint) or starved of CPU: that is reported once as
 * {@link StallReport.Kind#JVM_PAUSE}. However late the watchdog wakes, that much of the
 * loops' probe delays is not counted against them. Nothing is reported during
 * {@code startupGrace} after {@link #start()}.
 * <p>
 * A stall is always caught while it lasts once it is longer than
 * {@code threshold + 2 × interval} (200 ms with the defaults); a shorter one that still
 * delays a probe beyond {@code threshold} is reported after the fact, without a stack.
 */
public class EventLoopWatchdog implements EventLoopMonitor, SmartLifecycle {

	/**
	 * Name of the watchdog thread.
	 */
	public static final String THREAD_NAME = "bridge-watchdog";

	/**
	 * Lifecycle phase: started before the web server (which starts at
	 * {@code DEFAULT_PHASE - 2048}) so that the first requests are watched, and stopped
	 * after it so that a graceful shutdown is watched too.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	static final String DELAY_METER = "bridge.eventloop.delay";

	static final String STALL_METER = "bridge.eventloop.stall";

	private static final Log logger = LogFactory.getLog(EventLoopWatchdog.class);

	private static final StackTraceElement[] NO_FRAMES = {};

	private final Duration interval;

	private final Duration threshold;

	private final Duration startupGrace;

	private final long intervalNanos;

	private final long thresholdNanos;

	private final long graceNanos;

	private final List<Group> groups;

	private final EventLoopReports reports;

	private final LongSupplier nanoClock;

	private final Object lifecycleMonitor = new Object();

	private volatile boolean running;

	private volatile @Nullable Thread thread;

	private volatile long startNanos;

	// total lateness of the watchdog thread so far; written by the watchdog thread only
	private volatile long pausedNanos;

	// written by the watchdog thread only
	private volatile long rounds;

	private boolean tickFailureLogged;

	/**
	 * A watchdog, not started yet.
	 * @param interval how often each loop is probed
	 * @param threshold probe delay that counts as a stall
	 * @param startupGrace time after {@link #start()} during which nothing is reported
	 * @param sources the loops to probe
	 * @param reports where stalls and pauses are reported
	 * @param registry where the delay timer and the stall gauge go, {@code null} for none
	 */
	public EventLoopWatchdog(Duration interval, Duration threshold, Duration startupGrace,
			List<? extends EventLoopSource> sources, EventLoopReports reports, @Nullable MeterRegistry registry) {
		this(interval, threshold, startupGrace, sources, reports, registry, System::nanoTime);
	}

	EventLoopWatchdog(Duration interval, Duration threshold, Duration startupGrace,
			List<? extends EventLoopSource> sources, EventLoopReports reports, @Nullable MeterRegistry registry,
			LongSupplier nanoClock) {
		this.interval = strictlyPositive("bridge.eventloop.watchdog.interval", interval);
		this.threshold = strictlyPositive("bridge.eventloop.watchdog.threshold", threshold);
		Objects.requireNonNull(startupGrace, "startupGrace must not be null");
		if (startupGrace.isNegative()) {
			throw new IllegalArgumentException(
					"bridge.eventloop.watchdog.startup-grace must be positive or zero, was " + startupGrace);
		}
		this.startupGrace = startupGrace;
		this.intervalNanos = interval.toNanos();
		this.thresholdNanos = threshold.toNanos();
		this.graceNanos = startupGrace.toNanos();
		this.reports = Objects.requireNonNull(reports, "reports must not be null");
		this.nanoClock = nanoClock;
		List<Group> groups = new ArrayList<>();
		for (EventLoopSource source : sources) {
			groups.add(new Group(source, delayTimer(registry, source.group())));
		}
		this.groups = List.copyOf(groups);
		if (registry != null) {
			Gauge.builder(STALL_METER, this, EventLoopWatchdog::currentStallSeconds)
				.description("Seconds the most-stalled event loop has been stuck right now, 0 when none is")
				.baseUnit("seconds")
				.register(registry);
		}
	}

	private static Duration strictlyPositive(String property, Duration value) {
		Objects.requireNonNull(value, property + " must not be null");
		if (value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(property + " must be strictly positive, was " + value);
		}
		return value;
	}

	private static @Nullable Timer delayTimer(@Nullable MeterRegistry registry, String group) {
		if (registry == null) {
			return null;
		}
		return Timer.builder(DELAY_METER)
			.tags("group", group)
			.description("Scheduling delay of the watchdog's probe on an event loop")
			.publishPercentileHistogram()
			.register(registry);
	}

	// ---- EventLoopMonitor ------------------------------------------------------------------

	@Override
	public List<LoopStats> loops() {
		long now = this.nanoClock.getAsLong();
		boolean reporting = isReporting(now);
		List<LoopStats> stats = new ArrayList<>();
		for (Group group : this.groups) {
			for (Loop loop : group.loops) {
				Thread thread = loop.thread;
				if (thread != null && !loop.redundant) {
					long stalled = reporting ? stalledNanos(loop, now) : 0;
					stats.add(new LoopStats(thread.getName(), group.name, Duration.ofNanos(loop.lastDelay),
							Duration.ofNanos(loop.maxDelay), loop.stalls, Duration.ofNanos(stalled)));
				}
			}
		}
		return stats;
	}

	@Override
	public List<StallReport> recentStalls() {
		return this.reports.recentStalls();
	}

	@Override
	public double currentStallSeconds() {
		long now = this.nanoClock.getAsLong();
		if (!isReporting(now)) {
			return 0;
		}
		long max = 0;
		for (Group group : this.groups) {
			for (Loop loop : group.loops) {
				max = Math.max(max, stalledNanos(loop, now));
			}
		}
		return max / 1e9;
	}

	@Override
	public long blockingCalls() {
		return this.reports.blockingCalls();
	}

	/**
	 * Stall episodes of all loops since start-up.
	 * @return the count
	 */
	public long stalls() {
		return this.reports.stalls();
	}

	/**
	 * Probe rounds since the watchdog was created; a number that keeps growing shows that
	 * the watchdog is alive.
	 * @return the count
	 */
	public long rounds() {
		return this.rounds;
	}

	/**
	 * The channel this watchdog reports through.
	 * @return the reports
	 */
	public EventLoopReports getReports() {
		return this.reports;
	}

	public Duration getInterval() {
		return this.interval;
	}

	public Duration getThreshold() {
		return this.threshold;
	}

	public Duration getStartupGrace() {
		return this.startupGrace;
	}

	private boolean isReporting(long now) {
		return this.running && now - this.startNanos >= this.graceNanos;
	}

	/**
	 * How long the loop has been stuck on its pending probe, JVM pauses left out, or 0 while
	 * that is below the threshold.
	 */
	private long stalledNanos(Loop loop, long now) {
		if (!loop.pending || isGone(loop.executor)) {
			return 0;
		}
		long age = now - loop.postedAt - (this.pausedNanos - loop.pausedAtPost);
		return (age >= this.thresholdNanos) ? age : 0;
	}

	// ---- lifecycle -----------------------------------------------------------------------------

	@Override
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.running) {
				return;
			}
			begin();
			Thread thread = new Thread(this::watch, THREAD_NAME);
			thread.setDaemon(true);
			this.thread = thread;
			thread.start();
		}
	}

	/**
	 * Starts the clock of the start-up grace and marks the watchdog running; the thread that
	 * calls {@link #tick} is the caller's business (tests drive it by hand).
	 */
	void begin() {
		this.startNanos = this.nanoClock.getAsLong();
		this.running = true;
	}

	@Override
	public void stop() {
		Thread thread;
		synchronized (this.lifecycleMonitor) {
			if (!this.running) {
				return;
			}
			this.running = false;
			thread = this.thread;
			this.thread = null;
		}
		if (thread != null) {
			LockSupport.unpark(thread);
			try {
				thread.join(TimeUnit.NANOSECONDS.toMillis(this.intervalNanos) + 1000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		long now = this.nanoClock.getAsLong();
		for (Group group : this.groups) {
			group.reset(now);
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	private void watch() {
		long deadline = this.nanoClock.getAsLong() + this.intervalNanos;
		while (this.running) {
			long now = this.nanoClock.getAsLong();
			if (now < deadline) {
				LockSupport.parkNanos(this, deadline - now);
				continue;
			}
			try {
				tick(now, now - deadline);
			}
			catch (RuntimeException | LinkageError ex) {
				// the watchdog must outlive whatever one round trips over
				if (!this.tickFailureLogged) {
					this.tickFailureLogged = true;
					logger.warn("Event-loop watchdog round failed; the watchdog keeps going (logged once)", ex);
				}
			}
			deadline = this.nanoClock.getAsLong() + this.intervalNanos;
		}
	}

	// ---- one round -------------------------------------------------------------------------------

	/**
	 * One round: judges every loop's pending probe, records completed ones, posts new ones.
	 * @param now the time of this round
	 * @param lateness how much later than planned the watchdog woke up
	 */
	void tick(long now, long lateness) {
		boolean reporting = now - this.startNanos >= this.graceNanos;
		if (lateness > 0) {
			// whatever kept the watchdog from running (GC, safepoint, no CPU) also held up the
			// loops' probes: that share of their delay is not the loops' fault, even when it is
			// too short to be reported as a pause of its own
			this.pausedNanos += lateness;
			if (lateness >= this.thresholdNanos && reporting) {
				this.reports.jvmPause(now - lateness, lateness);
			}
		}
		this.rounds++;
		for (Group group : this.groups) {
			group.refresh(now);
			for (Loop loop : group.loops) {
				if (loop.redundant || isGone(loop.executor)) {
					continue;
				}
				if (loop.pending) {
					checkStall(loop, now, reporting);
				}
				else {
					if (loop.posted) {
						completed(group, loop);
					}
					if (!loop.redundant) {
						post(loop, now);
					}
				}
			}
		}
	}

	private void checkStall(Loop loop, long now, boolean reporting) {
		if (!reporting || loop.episode != null) {
			return;
		}
		long age = now - loop.postedAt - (this.pausedNanos - loop.pausedAtPost);
		if (age < this.thresholdNanos) {
			return;
		}
		Thread thread = loop.thread;
		StackTraceElement[] stack = (thread != null) ? thread.getStackTrace() : NO_FRAMES;
		boolean recoveredWhileRead = !loop.pending;
		loop.stalls++;
		loop.episode = this.reports.stallStarted(loop.name(), loop.postedAt, age, this.threshold, stack,
				recoveredWhileRead);
	}

	private void completed(Group group, Loop loop) {
		long delay = Math.max(0, loop.ranAt - loop.postedAt);
		long blamed = delay - (this.pausedNanos - loop.pausedAtPost);
		boolean afterGrace = loop.postedAt - this.startNanos >= this.graceNanos;
		EventLoopReports.Entry episode = loop.episode;
		if (episode != null) {
			loop.episode = null;
			this.reports.stallEnded(episode, loop.ranAt);
		}
		else if (afterGrace && blamed >= this.thresholdNanos) {
			loop.stalls++;
			this.reports.stallMissed(loop.name(), loop.postedAt, blamed, this.threshold, this.interval);
		}
		loop.lastDelay = delay;
		if (afterGrace) {
			loop.maxDelay = Math.max(loop.maxDelay, delay);
			if (group.delayTimer != null) {
				group.delayTimer.record(delay, TimeUnit.NANOSECONDS);
			}
		}
		Thread thread = loop.thread;
		if (thread != loop.checkedThread) {
			loop.checkedThread = thread;
			group.checkSameThread(loop);
		}
	}

	private void post(Loop loop, long now) {
		loop.postedAt = now;
		loop.pausedAtPost = this.pausedNanos;
		loop.posted = true;
		loop.pending = true;
		try {
			loop.executor.execute(loop);
		}
		catch (RejectedExecutionException ex) {
			// the loop is shutting down; its source drops it
			loop.pending = false;
			loop.posted = false;
		}
	}

	private static boolean isGone(Executor executor) {
		return (executor instanceof ExecutorService service && service.isShutdown())
				|| (executor instanceof Disposable disposable && disposable.isDisposed());
	}

	/**
	 * The loops of one source, and their delay timer.
	 */
	private final class Group {

		final EventLoopSource source;

		final String name;

		final @Nullable Timer delayTimer;

		// replaced, never changed, so that readers on other threads see a consistent list
		volatile List<Loop> loops = List.of();

		private @Nullable List<Executor> executors;

		Group(EventLoopSource source, @Nullable Timer delayTimer) {
			this.source = source;
			this.name = source.group();
			this.delayTimer = delayTimer;
		}

		void refresh(long now) {
			List<Executor> executors;
			try {
				executors = this.source.loops();
			}
			catch (RuntimeException ex) {
				logger.debug("Event-loop source " + this.source + " failed to list its loops", ex);
				executors = List.of();
			}
			if (executors == this.executors) {
				return;
			}
			Map<Executor, Loop> previous = new IdentityHashMap<>();
			for (Loop loop : this.loops) {
				previous.put(loop.executor, loop);
			}
			List<Loop> loops = new ArrayList<>(executors.size());
			for (Executor executor : executors) {
				Loop loop = previous.remove(executor);
				loops.add((loop != null) ? loop : new Loop(this.name, loops.size(), executor,
						EventLoopWatchdog.this.nanoClock));
			}
			previous.values().forEach((dropped) -> dropped.abandon(now));
			this.executors = executors;
			this.loops = Collections.unmodifiableList(loops);
		}

		void checkSameThread(Loop loop) {
			for (Loop other : this.loops) {
				if (other != loop && !other.redundant && other.thread == loop.thread) {
					loop.redundant = true;
					this.source.sameThreadAsAnother(loop.executor);
					return;
				}
			}
		}

		void reset(long now) {
			this.loops.forEach((loop) -> loop.abandon(now));
			this.source.dispose();
			this.executors = null;
			this.loops = List.of();
		}

	}

	/**
	 * One probed loop; the loop runs it as the probe itself, so probing allocates nothing.
	 */
	private static final class Loop implements Runnable {

		final String group;

		final int index;

		final Executor executor;

		private final LongSupplier nanoClock;

		// written by the probe, on the loop
		volatile @Nullable Thread thread;

		volatile long ranAt;

		// written by the watchdog thread
		volatile boolean pending;

		volatile boolean posted;

		volatile long postedAt;

		volatile long pausedAtPost;

		volatile long lastDelay;

		volatile long maxDelay;

		volatile long stalls;

		EventLoopReports.@Nullable Entry episode;

		@Nullable Thread checkedThread;

		boolean redundant;

		Loop(String group, int index, Executor executor, LongSupplier nanoClock) {
			this.group = group;
			this.index = index;
			this.executor = executor;
			this.nanoClock = nanoClock;
		}

		@Override
		public void run() {
			Thread current = Thread.currentThread();
			if (this.thread != current) {
				this.thread = current;
			}
			this.ranAt = this.nanoClock.getAsLong();
			this.pending = false;
		}

		/**
		 * The loop is no longer watched: closes its episode, if any, without claiming that the
		 * loop recovered.
		 */
		void abandon(long now) {
			EventLoopReports.Entry episode = this.episode;
			if (episode != null) {
				this.episode = null;
				episode.end(Math.max(0, now - this.postedAt));
			}
		}

		String name() {
			Thread thread = this.thread;
			return (thread != null) ? thread.getName() : this.group + " loop #" + this.index;
		}

	}

}
