package dev.bridge.eventloop;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.ObjLongConsumer;

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
 * {@code threshold} marks a stall episode, and the episode gets a {@link StallCause cause}
 * from evidence gathered while it lasts ({@link StallEvidence}): from half the threshold on,
 * each round samples the loop thread's state, stack and CPU time (through
 * {@link ThreadMXBean}) and the machine's load; the probe itself notes the loop's CPU time
 * each time it runs. {@code blocked} and {@code busy} episodes blame code and are logged
 * with their frames; {@code starved} ones (the loop got no CPU) blame nothing. The episode
 * goes to {@link EventLoopReports} once, and when the probe finally runs it is closed.
 * Probe delays go to {@link #onProbeDelay delay listeners} (the
 * {@code bridge.eventloop.delay} timer), and {@link #currentStallSeconds()} shows how long
 * the most-stalled loop has been stuck right now by code.
 * <p>
 * When the watchdog thread itself wakes up late by more than {@code threshold}, either the
 * whole JVM was paused (garbage collection shows it, or the machine had CPU to spare: a
 * safepoint) and that is reported as {@link StallCause#JVM_PAUSE}, or the machine had no
 * CPU for the watchdog either: a {@link StallCause#STARVED} episode. However late the
 * watchdog wakes, that much of the loops' probe delays is not counted against them. Nothing
 * is reported during {@code startupGrace} after {@link #start()}.
 * <p>
 * On Linux a loop that waits for I/O events when its turn comes (an idle Netty loop in
 * {@code epoll_wait}) runs no task and cannot be stalled, so it is not probed that round
 * ({@link IdleWait}), though at least once every two seconds: on a quiet server the probes would
 * otherwise be nearly all of the watchdog's cost, in wake-ups. A loop that runs or blocks is
 * probed every round, so a stall is caught as early as before.
 * <p>
 * A stall is always caught while it lasts once it is longer than
 * {@code threshold + interval} (150 ms with the defaults): a pending probe is judged when it
 * reaches the threshold, not at the next round. A shorter one that still
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

	private static final Log logger = LogFactory.getLog(EventLoopWatchdog.class);

	private static final StackTraceElement[] NO_FRAMES = {};

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private static final boolean CPU_TIME = cpuTimeSupported();

	private static final boolean IDLE_CHECK = IdleWait.supported();

	// a worker of a Reactor scheduler waits for its next task on this (its executor's queue)
	private static final String QUEUE_CONDITION = "java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject";

	// prompt probes, in a row, that found the thread in one idle wait before it is learned
	private static final int IDLE_WAIT_CONFIRMATIONS = 2;

	private static final int IDLE_STACK_DEPTH = 16;

	private static final long NO_WAIT = Long.MIN_VALUE;

	private static final long IO_WAIT = 1L << 40;

	private static final long QUEUE_WAIT = 2L << 40;

	private static final long PROMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

	// how often a loop that waits for work gets a probe all the same
	private static final long IDLE_PROBE_NANOS = TimeUnit.SECONDS.toNanos(2);

	// lateness from which a round reads the garbage-collection pause count
	private static final long GC_READ_LATENESS = TimeUnit.MILLISECONDS.toNanos(1);

	private final Duration interval;

	private final Duration threshold;

	private final Duration startupGrace;

	private final long intervalNanos;

	private final long thresholdNanos;

	private final long graceNanos;

	private final List<Group> groups;

	private final EventLoopReports reports;

	private final LongSupplier nanoClock;

	private final MachineLoad machine;

	// rounds in a row an idle loop may go without a probe: it gets one at least every two seconds
	private final int maxSkipped;

	private final int roundsPerSecond;

	private final List<ObjLongConsumer<String>> delayListeners = new CopyOnWriteArrayList<>();

	// names of the loop threads seen so far; replaced, never changed
	private volatile Set<String> loopThreads = Set.of();

	private long gcPauseMillis;

	private final Object lifecycleMonitor = new Object();

	private volatile boolean running;

	private volatile @Nullable Thread thread;

	private volatile long startNanos;

	// total lateness of the watchdog thread so far; written by the watchdog thread only
	private volatile long pausedNanos;

	// written by the watchdog thread only
	private volatile long rounds;

	private boolean tickFailureLogged;

	// when the first pending probe that is still short of the threshold reaches it;
	// written and read by the watchdog thread only
	private long due = Long.MAX_VALUE;

	/**
	 * A watchdog, not started yet.
	 * @param settings interval, threshold and start-up grace
	 * @param sources the loops to probe
	 * @param reports where stalls and pauses are reported
	 */
	public EventLoopWatchdog(WatchdogSettings settings, List<? extends EventLoopSource> sources,
			EventLoopReports reports) {
		this(settings, sources, reports, System::nanoTime, new MachineLoad());
	}

	/**
	 * A watchdog, not started yet.
	 * @param interval how often each loop is probed, at least 1 ms
	 * @param threshold probe delay that counts as a stall
	 * @param startupGrace time after {@link #start()} during which nothing is reported
	 * @param sources the loops to probe
	 * @param reports where stalls and pauses are reported
	 */
	public EventLoopWatchdog(Duration interval, Duration threshold, Duration startupGrace,
			List<? extends EventLoopSource> sources, EventLoopReports reports) {
		this(new WatchdogSettings(interval, threshold, startupGrace), sources, reports);
	}

	EventLoopWatchdog(WatchdogSettings settings, List<? extends EventLoopSource> sources, EventLoopReports reports,
			LongSupplier nanoClock, MachineLoad machine) {
		Objects.requireNonNull(settings, "settings must not be null");
		this.interval = settings.interval();
		this.threshold = settings.threshold();
		this.startupGrace = settings.startupGrace();
		this.intervalNanos = this.interval.toNanos();
		this.thresholdNanos = this.threshold.toNanos();
		this.graceNanos = this.startupGrace.toNanos();
		this.maxSkipped = (int) Math.max(0, IDLE_PROBE_NANOS / this.intervalNanos - 1);
		this.roundsPerSecond = (int) Math.max(1, TimeUnit.SECONDS.toNanos(1) / this.intervalNanos);
		this.reports = Objects.requireNonNull(reports, "reports must not be null");
		this.nanoClock = nanoClock;
		this.machine = machine;
		List<Group> groups = new ArrayList<>();
		for (EventLoopSource source : sources) {
			groups.add(new Group(source));
		}
		this.groups = List.copyOf(groups);
	}

	private static boolean cpuTimeSupported() {
		try {
			if (THREADS.isCurrentThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
				THREADS.setThreadCpuTimeEnabled(true);
			}
			return THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
		}
		catch (UnsupportedOperationException | SecurityException ex) {
			return false;
		}
	}

	/**
	 * Calls {@code listener} with the group and the scheduling delay, in nanoseconds, of
	 * every probe that ran after the start-up grace, on the watchdog's thread.
	 * @param listener the listener
	 * @return closing it removes the listener
	 */
	public AutoCloseable onProbeDelay(ObjLongConsumer<String> listener) {
		Objects.requireNonNull(listener, "listener must not be null");
		this.delayListeners.add(listener);
		return () -> this.delayListeners.remove(listener);
	}

	/**
	 * The group names of the sources, in order.
	 * @return the groups
	 */
	public List<String> groups() {
		return this.groups.stream().map((group) -> group.name).toList();
	}

	/**
	 * Whether a thread of this name has run a probe: it is one of the watched loops.
	 * @param threadName the thread's name
	 * @return {@code true} for a watched loop thread
	 */
	public boolean isLoopThread(String threadName) {
		return this.loopThreads.contains(threadName);
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
					long stalled = reporting ? blamedStallNanos(loop, now) : 0;
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
				max = Math.max(max, blamedStallNanos(loop, now));
			}
		}
		return max / 1e9;
	}

	@Override
	public long blockingCalls() {
		return this.reports.blockingCalls();
	}

	/**
	 * Stall episodes of all loops since start-up, whatever their cause.
	 * @return the count
	 */
	public long stalls() {
		return this.reports.stalls();
	}

	/**
	 * The settings.
	 * @return interval, threshold and start-up grace
	 */
	public WatchdogSettings getSettings() {
		return new WatchdogSettings(this.interval, this.threshold, this.startupGrace);
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

	/**
	 * How often each loop is probed.
	 * @return the probe period
	 */
	public Duration getInterval() {
		return this.interval;
	}

	/**
	 * Probe delay that counts as a stall.
	 * @return the stall threshold
	 */
	public Duration getThreshold() {
		return this.threshold;
	}

	/**
	 * Time after start during which no stall is reported.
	 * @return the start-up grace
	 */
	public Duration getStartupGrace() {
		return this.startupGrace;
	}

	private boolean isReporting(long now) {
		return this.running && now - this.startNanos >= this.graceNanos;
	}

	/**
	 * How long the loop has been stuck on its pending probe by code (a {@code blocked} or
	 * {@code busy} episode), JVM pauses left out, or 0.
	 */
	private long blamedStallNanos(Loop loop, long now) {
		EventLoopReports.Entry episode = loop.episode;
		if (!loop.pending || isGone(loop.executor) || episode == null || !episode.cause().blamesCode()) {
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
			// a pending probe that reaches the threshold before the next round is due brings the
			// round forward, so that a stall is judged when it is threshold old
			long wake = Math.min(deadline, this.due);
			if (now < wake) {
				LockSupport.parkNanos(this, wake - now);
				continue;
			}
			try {
				tick(now, Math.max(0, now - deadline));
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
		// the /proc files are read by this thread only: it closes them
		for (Group group : this.groups) {
			group.loops.forEach(Loop::closeIdleWait);
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
		long gcDuringRound = 0;
		if (lateness >= Math.min(GC_READ_LATENESS, this.thresholdNanos) || this.rounds % this.roundsPerSecond == 0) {
			// a pause long enough to matter makes the watchdog late, so an idle round on time
			// skips the read; once a second keeps the count fresh anyway
			long gcPauseMillis = this.machine.gcPauseMillis();
			gcDuringRound = TimeUnit.MILLISECONDS.toNanos(gcPauseMillis - this.gcPauseMillis);
			this.gcPauseMillis = gcPauseMillis;
		}
		if (lateness > 0) {
			// whatever kept the watchdog from running (GC, safepoint, no CPU) also held up the
			// loops' probes: that share of their delay is not the loops' fault, even when it is
			// too short to be reported as a pause of its own
			this.pausedNanos += lateness;
			if (lateness >= this.thresholdNanos && reporting) {
				watchdogLate(now, lateness, gcDuringRound);
			}
		}
		if (reporting) {
			this.reports.flush(now);
		}
		this.rounds++;
		for (Group group : this.groups) {
			group.refresh(now);
			group.readIdleCpu(this.maxSkipped);
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
						if (loop.skipped < this.maxSkipped && loop.isIdle()) {
							// waiting for I/O: not stalled, and a probe would only wake it
							loop.skipped++;
						}
						else {
							loop.skipped = 0;
							post(loop, now);
						}
					}
				}
			}
		}
		this.due = nextDue(now, reporting);
	}

	/**
	 * When a pending probe reaches the threshold, which brings the next round forward if it
	 * comes first.
	 * @return the {@link System#nanoTime()} of it, {@link Long#MAX_VALUE} for none
	 */
	long due() {
		return this.due;
	}

	/**
	 * When the first pending probe without an episode reaches the threshold, if that is
	 * still ahead; {@link Long#MAX_VALUE} when none will.
	 */
	private long nextDue(long now, boolean reporting) {
		long due = Long.MAX_VALUE;
		if (!reporting) {
			return due;
		}
		for (Group group : this.groups) {
			for (Loop loop : group.loops) {
				if (loop.pending && !loop.redundant && loop.episode == null) {
					long crossing = loop.postedAt + (this.pausedNanos - loop.pausedAtPost) + this.thresholdNanos;
					if (crossing > now && crossing < due) {
						due = crossing;
					}
				}
			}
		}
		return due;
	}

	/**
	 * The watchdog woke up late: a JVM pause when garbage collection accounts for it or the
	 * machine had CPU to spare (a safepoint), else the watchdog was starved like the loops.
	 */
	private void watchdogLate(long now, long lateness, long gcNanos) {
		int cores = this.machine.cores();
		if (gcNanos * 2 >= lateness) {
			this.reports.jvmPause(now - lateness, lateness,
					"garbage-collection pauses " + EventLoopReports.millis(gcNanos) + " meanwhile");
			return;
		}
		int runnable = this.machine.runnable();
		double load = this.machine.cpuLoad();
		String figures = "the machine had CPU to spare: "
				+ ((load >= 0) ? "machine CPU load " + StallEvidence.percent(load) + ", " : "")
				+ ((runnable >= 0) ? runnable + " runnable threads on " : "") + cores + " cores, garbage-collection "
				+ "pauses " + EventLoopReports.millis(gcNanos);
		if (overloaded(runnable, load, cores)) {
			this.reports.watchdogStarved(now - lateness, lateness,
					figures.substring("the machine had CPU to spare: ".length()));
		}
		else {
			this.reports.jvmPause(now - lateness, lateness, figures);
		}
	}

	private void checkStall(Loop loop, long now, boolean reporting) {
		if (!reporting || loop.episode != null) {
			return;
		}
		long age = now - loop.postedAt - (this.pausedNanos - loop.pausedAtPost);
		if (age < this.thresholdNanos / 2) {
			return;
		}
		Thread thread = loop.thread;
		if (thread == null) {
			if (age >= this.thresholdNanos) {
				loop.stalls++;
				loop.forgetIdleWait();
				loop.episode = this.reports.stallStarted(loop.name(), loop.postedAt, age, this.threshold,
						unseenLoopVerdict());
			}
			return;
		}
		StallEvidence evidence = loop.evidence;
		if (evidence == null) {
			boolean fromPost = fromPost(loop, loop.wallAtRun);
			evidence = new StallEvidence(fromPost ? loop.cpuAtPost : loop.cpuAtRun,
					fromPost ? loop.wallAtPost : loop.wallAtRun);
			loop.evidence = evidence;
		}
		long id = threadId(thread);
		evidence.sample(THREADS, id, this.machine);
		if (age < this.thresholdNanos) {
			return;
		}
		if (evidence.samples() == 1 && loop.pending) {
			// one more look, so that one moment does not decide alone
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
			evidence.sample(THREADS, id, this.machine);
		}
		if (!loop.pending) {
			// the loop ran meanwhile, so the samples may show later work: its probe's
			// completion reports the episode without blaming frames
			return;
		}
		StallEvidence.Verdict verdict = evidence.decide(this.machine.cores(), minBusyCpuNanos(),
				age >= StallEvidence.MAX_WAIT_THRESHOLDS * this.thresholdNanos);
		if (verdict == null) {
			// it looks busy but has not used enough CPU yet to tell from starved: look again
			return;
		}
		loop.stalls++;
		loop.forgetIdleWait();
		loop.episode = this.reports.stallStarted(loop.name(), loop.postedAt, age, this.threshold, verdict);
	}

	/**
	 * Whether the loop's CPU time is better measured from when its pending probe was posted
	 * than from its last probe: when that probe ran more than two intervals before (the
	 * loop was idle and not probed meanwhile), its CPU time since then is not the episode's.
	 */
	private boolean fromPost(Loop loop, long lastRunWall) {
		return loop.cpuAtPost >= 0 && loop.wallAtPost - lastRunWall > 2 * this.intervalNanos;
	}

	/**
	 * CPU time a loop must have used since its last probe to be called busy: most of the
	 * threshold, since code that ran for less could not have stalled a loop that had a core
	 * (the rest of the delay was a wait for a CPU).
	 */
	private long minBusyCpuNanos() {
		return this.thresholdNanos * 4 / 5;
	}

	@SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
	private static long threadId(Thread thread) {
		return thread.getId();
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
			missed(loop, blamed);
		}
		loop.evidence = null;
		loop.posted = false;
		loop.lastDelay = delay;
		if (afterGrace) {
			loop.maxDelay = Math.max(loop.maxDelay, delay);
			for (ObjLongConsumer<String> listener : this.delayListeners) {
				listener.accept(group.name, delay);
			}
		}
		Thread thread = loop.thread;
		if (thread != loop.checkedThread) {
			loop.forgetIdleWait();
		}
		else {
			loop.learnIdleWait(delay);
		}
		if (thread != loop.checkedThread) {
			loop.checkedThread = thread;
			group.checkSameThread(loop);
			if (thread != null && !this.loopThreads.contains(thread.getName())) {
				Set<String> names = new HashSet<>(this.loopThreads);
				names.add(thread.getName());
				this.loopThreads = Set.copyOf(names);
			}
		}
	}

	/**
	 * A stall that was over before the watchdog could decide on it: its cause comes from the
	 * loop's CPU time between its last two probes, and from the samples taken, if any.
	 */
	private void missed(Loop loop, long blamed) {
		loop.forgetIdleWait();
		int cores = this.machine.cores();
		boolean fromPost = fromPost(loop, loop.previousWallAtRun);
		long baseCpu = fromPost ? loop.cpuAtPost : loop.previousCpuAtRun;
		long wall = loop.wallAtRun - (fromPost ? loop.wallAtPost : loop.previousWallAtRun);
		double share = (loop.cpuAtRun >= 0 && baseCpu >= 0 && wall > 0)
				? (double) Math.max(0, loop.cpuAtRun - baseCpu) / wall : 0;
		int runnable = this.machine.runnable();
		double load = this.machine.cpuLoad();
		StallEvidence evidence = loop.evidence;
		StallEvidence.Sample sample = (evidence != null) ? evidence.latest() : null;
		boolean sampledWaiting = sample != null && (sample.kind() == StallEvidence.SampleKind.WAITING
				|| sample.kind() == StallEvidence.SampleKind.NATIVE);
		double fairShare = (runnable >= 0) ? Math.min(1.0, (double) cores / Math.max(1, runnable)) : 1.0;
		boolean overloaded = overloaded(runnable, load, cores);
		long used = (loop.cpuAtRun >= 0 && baseCpu >= 0) ? loop.cpuAtRun - baseCpu : -1;
		StallCause cause;
		if (share >= Math.max(0.05, 0.5 * fairShare) && (used < 0 || used >= minBusyCpuNanos())) {
			cause = StallCause.BUSY;
		}
		else if (sampledWaiting || !overloaded) {
			cause = StallCause.BLOCKED;
		}
		else {
			cause = StallCause.STARVED;
		}
		String figures = "loop CPU " + StallEvidence.percent(share) + " of a core"
				+ ((used >= 0) ? " (" + EventLoopReports.millis(used) + ")" : "")
				+ machineFigures(load, runnable, cores);
		this.reports.stallMissed(loop.name(), loop.postedAt, blamed, this.threshold, this.interval, cause, figures);
	}

	/**
	 * The verdict on a loop whose thread has not run a probe yet, so that neither its state
	 * nor its stack can be sampled: {@code starved} when the machine is overloaded (more
	 * runnable threads than cores, or 90 % CPU load: a loop's first probe, often at start-up,
	 * waits for a CPU like everything else), {@code blocked} otherwise, as a missed stall is
	 * judged.
	 */
	private StallEvidence.Verdict unseenLoopVerdict() {
		int cores = this.machine.cores();
		int runnable = this.machine.runnable();
		double load = this.machine.cpuLoad();
		return new StallEvidence.Verdict(overloaded(runnable, load, cores) ? StallCause.STARVED : StallCause.BLOCKED,
				NO_FRAMES, List.of(), "the thread has not run a probe yet" + machineFigures(load, runnable, cores), false,
				load, runnable, cores);
	}

	/**
	 * Whether the machine gives the loops no CPU to spare: more runnable threads than cores,
	 * or 90 % CPU load.
	 */
	private static boolean overloaded(int runnable, double load, int cores) {
		return runnable > cores || load >= 0.9;
	}

	/** The machine's load and runnable threads, each when known, after a comma. */
	private static String machineFigures(double load, int runnable, int cores) {
		return ((load >= 0) ? ", machine CPU load " + StallEvidence.percent(load) : "")
				+ ((runnable >= 0) ? ", " + runnable + " runnable threads on " + cores + " cores" : "");
	}

	private void post(Loop loop, long now) {
		loop.noteBeforePost();
		// the time of the post itself, not of the round's start: checking the loops before this
		// one takes time, and an episode must not seem to begin before the probe was posted
		loop.postedAt = Math.max(now, this.nanoClock.getAsLong());
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

		// replaced, never changed, so that readers on other threads see a consistent list
		volatile List<Loop> loops = List.of();

		private @Nullable List<Executor> executors;

		// the thread ids of one bulk CPU-time read, one slot per loop
		private long[] cpuIds = new long[0];

		private @Nullable Loop[] cpuLoops = new Loop[0];

		Group(EventLoopSource source) {
			this.source = source;
			this.name = source.group();
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
			previous.values().forEach((dropped) -> dropped.abandon(now, EventLoopWatchdog.this.reports));
			this.executors = executors;
			this.loops = Collections.unmodifiableList(loops);
			this.cpuIds = new long[loops.size()];
			this.cpuLoops = new Loop[loops.size()];
		}

		/**
		 * Reads, in one call, the CPU time of the loops that may be skipped this round and
		 * whose idle wait is an I/O wait (one lookup and one system call each, instead of a
		 * management call each).
		 */
		void readIdleCpu(int maxSkipped) {
			int count = 0;
			for (Loop loop : this.loops) {
				loop.roundCpu = -1;
				if (loop.readsIdleCpu(maxSkipped)) {
					Thread thread = loop.thread;
					if (thread != null) {
						this.cpuLoops[count] = loop;
						this.cpuIds[count++] = threadId(thread);
					}
				}
			}
			// one thread: its own read costs the same
			if (count >= 2 && CPU_TIME && IDLE_CHECK && THREADS instanceof com.sun.management.ThreadMXBean bulk) {
				long[] times = bulk.getThreadCpuTime((count == this.cpuIds.length) ? this.cpuIds
						: Arrays.copyOf(this.cpuIds, count));
				for (int i = 0; i < count; i++) {
					this.cpuLoops[i].roundCpu = times[i];
				}
			}
			Arrays.fill(this.cpuLoops, 0, count, null);
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
			this.loops.forEach((loop) -> loop.abandon(now, EventLoopWatchdog.this.reports));
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

		// the loop's CPU time and System.nanoTime() when it ran its last two probes
		volatile long cpuAtRun = -1;

		volatile long wallAtRun;

		volatile long previousCpuAtRun = -1;

		volatile long previousWallAtRun;

		// written by the watchdog thread
		volatile boolean pending;

		volatile boolean posted;

		volatile long postedAt;

		volatile long pausedAtPost;

		volatile long lastDelay;

		volatile long maxDelay;

		volatile long stalls;

		volatile EventLoopReports.@Nullable Entry episode;

		@Nullable StallEvidence evidence;

		@Nullable Thread checkedThread;

		boolean redundant;

		// the loop thread's task directory, written by the probe when the thread changes
		volatile @Nullable String task;

		// read by the watchdog thread only
		private @Nullable IdleWait idleWaitFile;

		private @Nullable String idleWaitTask;

		int skipped;

		// the thread's CPU time when it was last seen waiting for work, -1 when not
		private long idleCpu = -1;

		// how the thread waits when it has no task (its selector's epoll fd, or its executor
		// queue's condition), learned from its stack; read by the watchdog thread only
		private long idleWait = NO_WAIT;

		private int idleWaitSeen;

		// the thread's CPU time read for this round by its group, -1 when not read
		long roundCpu = -1;

		private long waitAtPost = NO_WAIT;

		// the thread's CPU time and System.nanoTime() when the watchdog posted the pending probe
		volatile long cpuAtPost = -1;

		volatile long wallAtPost;

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
				this.task = IDLE_CHECK ? IdleWait.currentTask() : null;
				this.thread = current;
			}
			this.previousCpuAtRun = this.cpuAtRun;
			this.previousWallAtRun = this.wallAtRun;
			this.cpuAtRun = CPU_TIME ? THREADS.getCurrentThreadCpuTime() : -1;
			this.wallAtRun = System.nanoTime();
			this.ranAt = this.nanoClock.getAsLong();
			this.pending = false;
		}

		/**
		 * Whether the loop thread waits for work right now, so that it runs no task: a Netty
		 * loop in its I/O wait ({@link IdleWait}), a worker waiting on its queue's condition,
		 * or a thread that has used no CPU since it was last seen in one of those waits (it
		 * cannot have left the wait without running). {@code false} when unknown.
		 */
		boolean isIdle() {
			Thread thread = this.thread;
			if (thread == null) {
				return false;
			}
			if (this.idleWaitSeen < IDLE_WAIT_CONFIRMATIONS) {
				return false;
			}
			if ((this.idleWait & QUEUE_WAIT) != 0) {
				// parked on its own queue's condition: two field reads, no system call
				return queueWaitOf(thread) == this.idleWait;
			}
			// thread CPU clocks count every nanosecond on Linux, not coarse ticks as elsewhere
			long cpu = this.roundCpu;
			this.roundCpu = -1;
			if (cpu < 0 && CPU_TIME && IDLE_CHECK) {
				cpu = THREADS.getThreadCpuTime(threadId(thread));
			}
			if (cpu >= 0 && cpu == this.idleCpu) {
				// it has not run since it was last seen waiting for work, so it still waits
				return true;
			}
			boolean idle = waitsForWork(thread);
			this.idleCpu = idle ? cpu : -1;
			return idle;
		}

		/**
		 * Whether {@link #isIdle()} will read the thread's CPU time this round: it may be
		 * skipped and waits for I/O events when idle.
		 */
		boolean readsIdleCpu(int maxSkipped) {
			return !this.redundant && !this.pending && this.skipped < maxSkipped
					&& this.idleWaitSeen >= IDLE_WAIT_CONFIRMATIONS && (this.idleWait & IO_WAIT) != 0;
		}

		private boolean waitsForWork(Thread thread) {
			return this.idleWaitSeen >= IDLE_WAIT_CONFIRMATIONS && waitOf(thread) == this.idleWait;
		}

		/**
		 * What the thread waits on right now: the file descriptor of the epoll (or ring) it
		 * waits in, or the identity of the queue condition it waits on; {@link #NO_WAIT} for
		 * anything else.
		 */
		private long waitOf(Thread thread) {
			long queueWait = queueWaitOf(thread);
			if (queueWait != NO_WAIT) {
				return queueWait;
			}
			String task = this.task;
			if (task != null && !task.equals(this.idleWaitTask)) {
				closeIdleWait();
				this.idleWaitFile = IdleWait.open(task);
				this.idleWaitTask = task;
			}
			IdleWait file = this.idleWaitFile;
			if (file != null) {
				long fd = file.waitingOn();
				if (fd >= 0) {
					return IO_WAIT | fd;
				}
			}
			return NO_WAIT;
		}

		/**
		 * The identity of the queue condition the thread is parked on right now, from its
		 * park blocker; {@link #NO_WAIT} when it is not parked on one.
		 */
		private static long queueWaitOf(Thread thread) {
			Object blocker = LockSupport.getBlocker(thread);
			if (blocker == null || !QUEUE_CONDITION.equals(blocker.getClass().getName())) {
				return NO_WAIT;
			}
			Thread.State state = thread.getState();
			if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
				return NO_WAIT;
			}
			return QUEUE_WAIT | (System.identityHashCode(blocker) & 0xffff_ffffL);
		}

		/**
		 * Before a probe is posted: notes the thread's CPU time, and, while its idle wait is
		 * not known, how it waits if its stack shows the wait for work of a Netty loop or an
		 * executor ({@link StackFrames#isIdle}; a task that blocks in a selector or on a queue of
		 * its own has its own frames on top).
		 */
		void noteBeforePost() {
			Thread thread = this.thread;
			this.waitAtPost = NO_WAIT;
			this.cpuAtPost = (CPU_TIME && thread != null) ? THREADS.getThreadCpuTime(threadId(thread)) : -1;
			this.wallAtPost = System.nanoTime();
			if (thread == null || this.idleWaitSeen >= IDLE_WAIT_CONFIRMATIONS) {
				return;
			}
			long wait = waitOf(thread);
			if (wait == NO_WAIT) {
				return;
			}
			ThreadInfo info = THREADS.getThreadInfo(threadId(thread), IDLE_STACK_DEPTH);
			if (info != null && StackFrames.isIdle(info.getStackTrace()) && wait == waitOf(thread)) {
				this.waitAtPost = wait;
			}
		}

		/**
		 * After a probe ran: if the thread waited for work when the probe was posted and ran
		 * it at once, that wait is its idle wait; seen twice in a row, it is learned.
		 */
		void learnIdleWait(long delay) {
			long wait = this.waitAtPost;
			this.waitAtPost = NO_WAIT;
			if (wait == NO_WAIT || this.idleWaitSeen >= IDLE_WAIT_CONFIRMATIONS) {
				return;
			}
			if (delay > PROMPT_NANOS) {
				this.idleWaitSeen = 0;
			}
			else if (this.idleWaitSeen > 0 && wait == this.idleWait) {
				this.idleWaitSeen++;
			}
			else {
				this.idleWait = wait;
				this.idleWaitSeen = 1;
			}
		}

		/**
		 * Forgets the learned idle wait: the thread changed, or the loop stalled.
		 */
		void forgetIdleWait() {
			this.idleCpu = -1;
			this.idleWaitSeen = 0;
			this.waitAtPost = NO_WAIT;
		}

		void closeIdleWait() {
			IdleWait file = this.idleWaitFile;
			if (file != null) {
				file.close();
				this.idleWaitFile = null;
			}
			this.idleWaitTask = null;
		}

		/**
		 * The loop is no longer watched: closes its episode, if any, without claiming that the
		 * loop recovered.
		 */
		void abandon(long now, EventLoopReports reports) {
			EventLoopReports.Entry episode = this.episode;
			if (episode != null) {
				this.episode = null;
				reports.stallAbandoned(episode, Math.max(0, now - this.postedAt));
			}
			this.evidence = null;
			closeIdleWait();
		}

		String name() {
			Thread thread = this.thread;
			return (thread != null) ? thread.getName() : this.group + " loop #" + this.index;
		}

	}

}
