package dev.bridge.eventloop;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bridge.eventloop.StallEvidence.Verdict;
import dev.bridge.eventloop.StallReport.Kind;

/**
 * The one channel through which Bridge reports trouble on event loops: stall episodes found
 * by the {@link EventLoopWatchdog} with their {@link StallCause cause}, pauses of the whole
 * JVM, blocking calls caught by BlockHound ({@link BridgeBlockHoundIntegration}) and calls
 * recorded on loops by the {@link LoopCallRecorder}. Each is counted, kept (the latest
 * {@value #MAX_REPORTS} reports, newest first, for the Actuator endpoint), handed to the
 * {@link EventLoopListener listeners}, and logged so that a person can act on it:
 * <ul>
 * <li>{@code blocked} and {@code busy} episodes: one WARN naming the loop, how long, the
 * frames to blame (the application's frames and at most
 * {@value StackFrames#MAX_OTHER_FRAMES} others, the rest counted) and advice that fits the
 * stack. Further episodes from the same call site are folded into one line a minute;</li>
 * <li>{@code starved} episodes: no stack and no blame; the first one, then at most one line
 * a minute with the figures and what to do;</li>
 * <li>episodes over before the watchdog could sample the loop: INFO, folded the same way;</li>
 * <li>JVM pauses: one WARN each.</li>
 * </ul>
 * Counts are read by {@code dev.bridge.metrics.EventLoopMetrics}: this class registers no
 * meter.
 */
public class EventLoopReports {

	/**
	 * How many reports are kept.
	 */
	public static final int MAX_REPORTS = 20;

	/**
	 * How long repeats of one call site, or starved episodes, are folded into one line.
	 */
	static final long FOLD_NANOS = TimeUnit.MINUTES.toNanos(1);

	/**
	 * Distinct call sites whose blocking calls are logged at WARN; beyond that every call is,
	 * so that a flood of new sites stays visible while memory stays bounded.
	 */
	private static final int MAX_LOGGED_CALL_SITES = 1024;

	private static final String STARVED_SITE = "starved";

	/**
	 * Calls recorded on loops kept to be matched with the episodes of their time.
	 */
	static final int MAX_RECENT_CALLS = 4096;

	/**
	 * Longest wait of a missed episode for the recorder's events, after which it is
	 * decided without them.
	 */
	static final long MISSED_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

	/**
	 * Time after an episode by which the recorder has handed over its events unless it lags:
	 * two of JFR's one-second flushes.
	 */
	static final long COVERED_NANOS = TimeUnit.SECONDS.toNanos(2);

	private static final Log logger = LogFactory.getLog(EventLoopReports.class);

	private final Clock clock;

	private final LongSupplier nanoClock;

	// guarded by itself; newest first
	private final Deque<Entry> entries = new ArrayDeque<>(MAX_REPORTS);

	private final Map<StallCause, LongAdder> stalls = new EnumMap<>(StallCause.class);

	private final LongAdder blockingCalls = new LongAdder();

	private final Set<Integer> loggedCallSites = ConcurrentHashMap.newKeySet();

	// guarded by itself; call site (or "starved") -> what was folded since its last line
	private final Map<String, Fold> folds = new LinkedHashMap<>();

	private final List<EventLoopListener> listeners = new CopyOnWriteArrayList<>();

	// call-site recorders running; while one runs, missed episodes wait for its events
	private final AtomicInteger recorders = new AtomicInteger();

	// guarded by itself; the latest calls the recorder saw on loops, oldest first
	private final Deque<LoopCallEvent> recentCalls = new ArrayDeque<>(MAX_RECENT_CALLS);

	// guarded by itself; missed episodes waiting for the recorder's events of their time
	private final List<Missed> pendingMissed = new ArrayList<>();

	/**
	 * A channel on the system clocks.
	 */
	public EventLoopReports() {
		this(Clock.systemUTC(), System::nanoTime);
	}

	EventLoopReports(Clock clock, LongSupplier nanoClock) {
		this.clock = clock;
		this.nanoClock = nanoClock;
		for (StallCause cause : StallCause.values()) {
			this.stalls.put(cause, new LongAdder());
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
		 * A call on an event-loop thread recorded by the {@link LoopCallRecorder}.
		 * @param event the call
		 */
		default void onCallSite(LoopCallEvent event) {
		}

	}

	/**
	 * Adds a listener until the returned handle is closed.
	 * @param listener the listener
	 * @return closing it removes the listener
	 */
	public AutoCloseable addListener(EventLoopListener listener) {
		Objects.requireNonNull(listener, "listener must not be null");
		this.listeners.add(listener);
		return () -> this.listeners.remove(listener);
	}

	private void fire(Entry entry) {
		if (this.listeners.isEmpty()) {
			return;
		}
		StallReport report = entry.toReport(this.nanoClock.getAsLong());
		for (EventLoopListener listener : this.listeners) {
			try {
				listener.onStall(report);
			}
			catch (RuntimeException ex) {
				logger.debug("Event-loop listener " + listener + " failed", ex);
			}
		}
	}

	/**
	 * Hands a call recorded on a loop to the listeners.
	 * @param event the call
	 */
	void callSite(LoopCallEvent event) {
		synchronized (this.recentCalls) {
			if (this.recentCalls.size() == MAX_RECENT_CALLS) {
				this.recentCalls.removeFirst();
			}
			this.recentCalls.addLast(event);
		}
		if (event.blocking()) {
			corroborate(event);
		}
		synchronized (this.pendingMissed) {
			for (Missed missed : this.pendingMissed) {
				if (missed.thread().equals(event.thread())
						&& overlapNanos(event, missed.startedAt(), missed.endedAt()) > 0) {
					missed.matched().set(true);
				}
			}
		}
		for (EventLoopListener listener : this.listeners) {
			try {
				listener.onCallSite(event);
			}
			catch (RuntimeException ex) {
				logger.debug("Event-loop listener " + listener + " failed", ex);
			}
		}
	}

	/**
	 * A blocking call the recorder saw during an episode of its loop that the watchdog
	 * decided from its own samples: noted in that report's evidence.
	 */
	private void corroborate(LoopCallEvent event) {
		List<Entry> snapshot;
		synchronized (this.entries) {
			snapshot = new ArrayList<>(this.entries);
		}
		long now = this.nanoClock.getAsLong();
		for (Entry entry : snapshot) {
			if (entry.kind == Kind.LOOP_STALL && event.thread().equals(entry.thread)) {
				Instant end = entry.startedAt.plusNanos(entry.ended() ? entry.lengthNanos : now - entry.startNanos);
				long overlap = overlapNanos(event, entry.startedAt, end);
				if (overlap > 0 && overlap * 2 >= event.duration().toNanos()) {
					entry.record(describe(event));
				}
			}
		}
	}

	/**
	 * A call-site recorder started: from now on an episode that was over before the watchdog
	 * could sample its loop waits for the recorder's events of its time, which show what the
	 * loop did.
	 */
	void recorderStarted() {
		this.recorders.incrementAndGet();
	}

	/**
	 * A call-site recorder stopped: the episodes waiting for it are decided now.
	 */
	void recorderStopped() {
		List<Missed> waiting;
		synchronized (this.pendingMissed) {
			this.recorders.decrementAndGet();
			waiting = new ArrayList<>(this.pendingMissed);
			this.pendingMissed.clear();
		}
		waiting.forEach(this::decideSafely);
	}

	/**
	 * The recorder has handed over a batch of events (JFR flushes about once a second): the
	 * missed episodes that events of this batch fell into are decided, and so are those
	 * over for long enough that their events would have come by now.
	 */
	void recorderFlushed() {
		decideMissed(true, false);
	}

	private void decideMissed(boolean flushed, boolean all) {
		List<Missed> ready = new ArrayList<>();
		long now = this.nanoClock.getAsLong();
		synchronized (this.pendingMissed) {
			for (Iterator<Missed> iterator = this.pendingMissed.iterator(); iterator.hasNext();) {
				Missed missed = iterator.next();
				long over = now - missed.endNanos();
				boolean decidable = flushed && (missed.matched().get() || over >= COVERED_NANOS);
				if (all || decidable || over >= MISSED_WAIT_NANOS) {
					ready.add(missed);
					iterator.remove();
				}
			}
		}
		ready.forEach(this::decideSafely);
	}

	private void decideSafely(Missed missed) {
		try {
			decide(missed);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not match flight-recorder events with a missed episode", ex);
			missedWithoutFrames(missed, missed.cause(), missed.evidence());
		}
	}

	private static long overlapNanos(LoopCallEvent event, Instant start, Instant end) {
		Instant eventEnd = event.at().plus(event.duration());
		Instant from = event.at().isAfter(start) ? event.at() : start;
		Instant to = eventEnd.isBefore(end) ? eventEnd : end;
		return from.isBefore(to) ? Duration.between(from, to).toNanos() : 0;
	}

	private static String describe(LoopCallEvent event) {
		return "flight recorder: " + event.kind() + " " + millis(event.duration().toNanos()) + " in "
				+ callSite(event.stack());
	}

	private static String callSite(List<StackTraceElement> stack) {
		if (stack.isEmpty()) {
			return "an unknown frame";
		}
		for (StackTraceElement frame : stack) {
			if (StackFrames.isApplication(frame)) {
				return StackFrames.format(frame);
			}
		}
		return StackFrames.format(stack.get(0));
	}

	// ---- what the watchdog reports --------------------------------------------------------

	/**
	 * A loop has not run its probe for {@code stalledNanos} and the watchdog has decided
	 * why: logs it as its cause calls for.
	 * @param thread the loop thread's name
	 * @param startNanos when the probe was posted
	 * @param stalledNanos how long the loop has been stalled so far
	 * @param threshold the configured threshold, for the message
	 * @param verdict the cause and its evidence
	 * @return the episode, to end with {@link #stallEnded}
	 */
	Entry stallStarted(String thread, long startNanos, long stalledNanos, Duration threshold, Verdict verdict) {
		StallCause cause = verdict.cause();
		List<String> stack = cause.blamesCode() ? StackFrames.strings(verdict.stack()) : List.of();
		List<String> culprit = StackFrames.strings(verdict.culprit());
		Entry entry = add(Kind.LOOP_STALL, cause, thread, startNanos, stack, culprit, verdict.evidence());
		this.stalls.get(cause).increment();
		if (cause.blamesCode()) {
			String site = site(cause, verdict);
			if (fold(site, stalledNanos)) {
				entry.warned = true;
				if (logger.isWarnEnabled()) {
					logger.warn(blameMessage(thread, stalledNanos, threshold, verdict, false));
				}
			}
		}
		else {
			starved(thread, stalledNanos, verdict.evidence(), verdict.idle());
		}
		return entry;
	}

	private static String site(StallCause cause, Verdict verdict) {
		List<StackTraceElement> culprit = verdict.culprit();
		String frame = !culprit.isEmpty() ? StackFrames.format(culprit.get(0))
				: (verdict.stack().length > 0) ? StackFrames.format(verdict.stack()[0]) : "unknown";
		return cause.tagValue() + " at " + frame;
	}

	private static String blameMessage(String thread, long stalledNanos, Duration threshold, Verdict verdict,
			boolean over) {
		StackTraceElement[] stack = verdict.stack();
		List<StackTraceElement> application = StackFrames.applicationFrames(stack);
		String initialising = StackFrames.initialisingClass(stack);
		boolean blocked = verdict.cause() == StallCause.BLOCKED;
		StringBuilder message = new StringBuilder();
		message.append("Event loop thread '")
			.append(thread)
			.append(over ? "' was " : "' has been ")
			.append(blocked ? "blocked" : "busy running code")
			.append(" for ")
			.append(millis(stalledNanos))
			.append(" (bridge.eventloop.watchdog.threshold=")
			.append(threshold.toMillis())
			.append("ms)");
		if (!verdict.culprit().isEmpty()) {
			message.append(" in ").append(StackFrames.format(verdict.culprit().get(0)));
		}
		if (blocked && stack.length > 0 && !StackFrames.isApplication(stack[0])) {
			message.append(", waiting in ").append(stack[0].getClassName()).append('.').append(stack[0].getMethodName());
		}
		message.append(over ? ": every connection and task on this loop waited. "
				: ": every connection and task on this loop waits. ");
		if (initialising != null) {
			message.append("The loop is initialising class ")
				.append(initialising)
				.append(" (its static initialiser runs on first use, often the first request): initialise it at "
						+ "start-up, for example by touching it in an ApplicationRunner, or make its first use "
						+ "with @Blocking.");
		}
		else if (!application.isEmpty()) {
			message.append(blocked ? "Move the blocking work below off the loop with @Blocking or "
					+ "BlockingBridge.spawn(...)."
					: "Move the CPU-heavy work below off the loop with @Blocking or BlockingBridge.spawn(...), "
							+ "on a pool sized to the cores.");
		}
		else if (stack.length == 0) {
			message.append("Its stack is unknown: the thread has not run a probe since the watchdog started.");
		}
		else {
			message.append("No application frame is on the stack: the time goes to the JDK or a library "
					+ "(frames below), such as a DNS lookup, a first TLS handshake or a log appender that writes "
					+ "synchronously. Find what calls it on the loop, or report it to that library.");
		}
		if (!blocked && verdict.culprit().size() > 1) {
			message.append(" Frames seen in every sample: ");
			List<String> names = new ArrayList<>();
			for (StackTraceElement frame : verdict.culprit()) {
				names.add(frame.getClassName() + "." + frame.getMethodName());
			}
			message.append(String.join(" <- ", names)).append('.');
		}
		message.append(" Evidence: ")
			.append(verdict.evidence())
			.append(". Further stalls from this place are counted and summarised once a minute.");
		StackFrames.append(message, stack);
		return message.toString();
	}

	private void starved(String thread, long stalledNanos, String evidence, boolean idle) {
		if (!fold(STARVED_SITE, stalledNanos) || !logger.isWarnEnabled()) {
			return;
		}
		String who = EventLoopWatchdog.THREAD_NAME.equals(thread)
				? "The event-loop watchdog thread '" + thread + "' woke up " + millis(stalledNanos) + " late"
				: "Event loop thread '" + thread + "' did not run for " + millis(stalledNanos);
		logger.warn(who + " because it got no CPU" + (idle ? " (it was idle, waiting for work)" : "")
				+ ": the machine or container is overloaded, no code on the loop is to blame (" + evidence + "). Keep the threads that run "
				+ "CPU-bound work at or below the cores (bridge.pools.<name>.max-threads of the pools that do it), "
				+ "and check the container's CPU limit and throttling. Further starved episodes are summarised "
				+ "once a minute.");
	}

	/**
	 * Whether an episode from {@code site} is logged in full; if not, it is counted for the
	 * next summary line.
	 */
	private boolean fold(String site, long lengthNanos) {
		long now = this.nanoClock.getAsLong();
		synchronized (this.folds) {
			Fold fold = this.folds.get(site);
			if (fold == null) {
				if (this.folds.size() >= MAX_LOGGED_CALL_SITES) {
					return true;
				}
				this.folds.put(site, new Fold(now));
				return true;
			}
			if (fold.folded == 0 && now - fold.since >= FOLD_NANOS) {
				fold.since = now;
				return true;
			}
			fold.folded++;
			fold.longest = Math.max(fold.longest, lengthNanos);
			return false;
		}
	}

	/**
	 * Logs one line for each call site whose repeats were folded for a minute.
	 * @param nowNanos the time
	 */
	void flush(long nowNanos) {
		if (!this.pendingMissed.isEmpty()) {
			// the recorder has not flushed for a long while: decide without it
			decideMissed(false, false);
		}
		List<String> lines = null;
		synchronized (this.folds) {
			for (Map.Entry<String, Fold> entry : this.folds.entrySet()) {
				Fold fold = entry.getValue();
				if (fold.folded > 0 && nowNanos - fold.since >= FOLD_NANOS) {
					if (lines == null) {
						lines = new ArrayList<>();
					}
					lines.add(summary(entry.getKey(), fold));
					fold.folded = 0;
					fold.longest = 0;
					fold.since = nowNanos;
				}
			}
		}
		if (lines != null && logger.isWarnEnabled()) {
			lines.forEach(logger::warn);
		}
	}

	private static String summary(String site, Fold fold) {
		if (site.equals(STARVED_SITE)) {
			return "Event loops were starved of CPU " + fold.folded + " more times in the last minute (longest "
					+ millis(fold.longest) + "): the machine or container is overloaded, no code is blamed; see "
					+ "/actuator/bridge for the figures of each episode.";
		}
		if (site.startsWith("missed ")) {
			return "Event loops were stalled " + fold.folded + " more times in the last minute (" + site.substring(7)
					+ ", longest " + millis(fold.longest) + "), each over before the watchdog could sample it.";
		}
		return "Event loops were stalled " + fold.folded + " more times in the last minute, " + site + " (longest "
				+ millis(fold.longest) + "); the first was logged with its stack.";
	}

	/**
	 * A stalled loop ran its probe again: logs one INFO line with the episode's length when
	 * the episode was logged at WARN.
	 * @param episode the episode from {@link #stallStarted}
	 * @param endNanos when the probe ran
	 */
	void stallEnded(Entry episode, long endNanos) {
		long length = Math.max(0, endNanos - episode.startNanos);
		episode.end(length);
		if (episode.warned && logger.isInfoEnabled()) {
			logger.info("Event loop thread '" + episode.thread + "' is running again after a stall of "
					+ millis(length) + ".");
		}
		fire(episode);
	}

	/**
	 * The loop is no longer watched: closes its episode without claiming that it recovered.
	 * @param episode the episode
	 * @param lengthNanos how long it lasted until now
	 */
	void stallAbandoned(Entry episode, long lengthNanos) {
		episode.end(lengthNanos);
		fire(episode);
	}

	/**
	 * A loop ran its probe late, by more than the threshold, but before the watchdog could
	 * sample it: the cause comes from its CPU time alone, and the episode is logged at INFO,
	 * repeats folded.
	 * @param thread the loop thread's name
	 * @param startNanos when the probe was posted
	 * @param lengthNanos how late it ran
	 * @param threshold the configured threshold, for the message
	 * @param interval the configured interval, for the message
	 * @param cause the cause
	 * @param evidence the figures
	 */
	void stallMissed(String thread, long startNanos, long lengthNanos, Duration threshold, Duration interval,
			StallCause cause, String evidence) {
		Missed missed = new Missed(thread, startNanos, lengthNanos, threshold, interval, cause, evidence,
				this.clock.instant().minusNanos(Math.max(0, this.nanoClock.getAsLong() - startNanos)),
				new AtomicBoolean());
		synchronized (this.pendingMissed) {
			if (this.recorders.get() > 0) {
				synchronized (this.recentCalls) {
					for (LoopCallEvent call : this.recentCalls) {
						if (call.thread().equals(thread) && overlapNanos(call, missed.startedAt(), missed.endedAt()) > 0) {
							missed.matched().set(true);
							break;
						}
					}
				}
				this.pendingMissed.add(missed);
				return;
			}
		}
		decide(missed);
	}

	/**
	 * Decides a missed episode: the recorder's events of its time, if any, show a blocking
	 * call that lasted most of it (then it is {@code blocked} and blamed on that call's
	 * frames), or the frames of CPU samples of a {@code busy} one; else the watchdog's cause
	 * stands, without frames.
	 */
	private void decide(Missed missed) {
		List<LoopCallEvent> calls = new ArrayList<>();
		Instant end = missed.startedAt().plusNanos(missed.lengthNanos());
		synchronized (this.recentCalls) {
			for (LoopCallEvent call : this.recentCalls) {
				if (call.thread().equals(missed.thread()) && overlapNanos(call, missed.startedAt(), end) > 0) {
					calls.add(call);
				}
			}
		}
		LoopCallEvent longest = null;
		long blockedNanos = 0;
		LoopCallEvent sample = null;
		int samples = 0;
		for (LoopCallEvent call : calls) {
			if (call.blocking()) {
				blockedNanos += overlapNanos(call, missed.startedAt(), end);
				if (longest == null || call.duration().compareTo(longest.duration()) > 0) {
					longest = call;
				}
			}
			else {
				samples++;
				sample = call;
			}
		}
		StallCause cause = missed.cause();
		LoopCallEvent evidenceCall = null;
		if (longest != null && blockedNanos * 2 >= missed.lengthNanos()) {
			cause = StallCause.BLOCKED;
			evidenceCall = longest;
		}
		else if (cause == StallCause.BUSY && sample != null) {
			evidenceCall = sample;
		}
		if (evidenceCall == null) {
			String recorded = !calls.isEmpty()
					? "; flight recorder: " + ((longest != null) ? describe(longest).substring(17) + ", " : "")
							+ samples + " CPU samples" : "";
			missedWithoutFrames(missed, cause, missed.evidence() + recorded);
			return;
		}
		StackTraceElement[] stack = evidenceCall.stack().toArray(new StackTraceElement[0]);
		if (stack.length == 0) {
			missedWithoutFrames(missed, cause, missed.evidence() + "; " + describe(evidenceCall));
			return;
		}
		List<StackTraceElement> culprit = StackFrames.applicationFrames(stack);
		if (culprit.isEmpty()) {
			culprit = List.of(stack).subList(0, Math.min(5, stack.length));
		}
		String recorded = (cause == StallCause.BLOCKED) ? describe(evidenceCall)
				: "flight recorder: " + samples + " CPU samples, the latest in " + StackFrames.format(culprit.get(0));
		String evidence = missed.evidence() + "; " + recorded;
		Entry entry = add(Kind.LOOP_STALL, cause, missed.thread(), missed.startNanos(), StackFrames.strings(stack),
				StackFrames.strings(culprit), evidence);
		entry.end(missed.lengthNanos());
		this.stalls.get(cause).increment();
		Verdict verdict = new Verdict(cause, stack, culprit, evidence, false, -1, -1,
				Runtime.getRuntime().availableProcessors());
		if (fold(site(cause, verdict), missed.lengthNanos())) {
			entry.warned = true;
			if (logger.isWarnEnabled()) {
				logger.warn(blameMessage(missed.thread(), missed.lengthNanos(), missed.threshold(), verdict, true));
			}
		}
		fire(entry);
	}

	private void missedWithoutFrames(Missed missed, StallCause cause, String evidence) {
		String thread = missed.thread();
		long lengthNanos = missed.lengthNanos();
		Duration threshold = missed.threshold();
		Duration interval = missed.interval();
		Entry entry = add(Kind.LOOP_STALL, cause, thread, missed.startNanos(), List.of(), List.of(), evidence);
		entry.end(lengthNanos);
		this.stalls.get(cause).increment();
		if (fold("missed " + cause.tagValue(), lengthNanos) && logger.isInfoEnabled()) {
			logger.info("Event loop thread '" + thread + "' was stalled for " + millis(lengthNanos) + " ("
					+ cause.tagValue() + ", " + evidence + "; bridge.eventloop.watchdog.threshold="
					+ threshold.toMillis() + "ms) but ran again before the watchdog could sample it, so no stack "
					+ "is known. Lower bridge.eventloop.watchdog.interval (now " + interval.toMillis()
					+ "ms) to catch such stalls with their frames, or see the call sites in /actuator/bridge.");
		}
		fire(entry);
	}

	/**
	 * The watchdog itself woke up late: the whole JVM was paused (GC, safepoint), so the
	 * loops are not to blame.
	 * @param startNanos when the watchdog should have woken up
	 * @param lengthNanos how late it woke up
	 * @param evidence the figures
	 */
	void jvmPause(long startNanos, long lengthNanos, String evidence) {
		Entry entry = add(Kind.JVM_PAUSE, StallCause.JVM_PAUSE, null, startNanos, List.of(), List.of(), evidence);
		entry.end(lengthNanos);
		this.stalls.get(StallCause.JVM_PAUSE).increment();
		if (logger.isWarnEnabled()) {
			logger.warn("The JVM paused for about " + millis(lengthNanos) + ": the event-loop watchdog thread '"
					+ EventLoopWatchdog.THREAD_NAME + "' woke up that late (" + evidence + "), which points at "
					+ "garbage collection or a safepoint rather than at an event loop, so no loop is blamed for it. "
					+ "Check the jvm.gc.pause metric.");
		}
		fire(entry);
	}

	/**
	 * The watchdog itself woke up late because the machine had no CPU for it: a starved
	 * episode of the watchdog thread.
	 * @param startNanos when the watchdog should have woken up
	 * @param lengthNanos how late it woke up
	 * @param evidence the figures
	 */
	void watchdogStarved(long startNanos, long lengthNanos, String evidence) {
		Entry entry = add(Kind.LOOP_STALL, StallCause.STARVED, EventLoopWatchdog.THREAD_NAME, startNanos, List.of(),
				List.of(), evidence);
		entry.end(lengthNanos);
		this.stalls.get(StallCause.STARVED).increment();
		starved(EventLoopWatchdog.THREAD_NAME, lengthNanos, evidence, false);
		fire(entry);
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
	void blockingCall(Thread thread, String method, StackTraceElement[] stack) {
		List<String> frames = StackFrames.strings(stack);
		List<String> culprit = StackFrames.strings(StackFrames.applicationFrames(stack));
		Entry entry = add(Kind.BLOCKING_CALL, StallCause.BLOCKED, thread.getName(), this.nanoClock.getAsLong(),
				frames, culprit, "blocking call " + method + " caught by BlockHound");
		entry.end(0);
		this.blockingCalls.increment();
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
			StackFrames.append(message, stack);
			if (warn) {
				logger.warn(message);
			}
			else {
				logger.debug(message);
			}
		}
		fire(entry);
	}

	// ---- what the endpoint and the meters read --------------------------------------------

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
	 * Stall episodes of event loops since start-up, whatever their cause, JVM pauses left
	 * out.
	 * @return the count
	 */
	public long stalls() {
		return stalls(StallCause.BLOCKED) + stalls(StallCause.BUSY) + stalls(StallCause.STARVED);
	}

	/**
	 * Episodes of one cause since start-up; {@link StallCause#JVM_PAUSE} counts JVM pauses.
	 * @param cause the cause
	 * @return the count
	 */
	public long stalls(StallCause cause) {
		return this.stalls.get(cause).sum();
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
		return stalls(StallCause.JVM_PAUSE);
	}

	/**
	 * A monitor with no loops of its own, for when the watchdog is off: it still shows the
	 * blocking calls that BlockHound catches.
	 * @return the monitor
	 */
	public EventLoopMonitor withoutWatchdog() {
		return new ReportsOnlyMonitor(this);
	}

	private Entry add(Kind kind, StallCause cause, @Nullable String thread, long startNanos, List<String> stack,
			List<String> culprit, String evidence) {
		Instant startedAt = this.clock.instant().minusNanos(Math.max(0, this.nanoClock.getAsLong() - startNanos));
		Entry entry = new Entry(kind, cause, thread, startedAt, startNanos, stack, culprit, evidence);
		synchronized (this.entries) {
			if (this.entries.size() == MAX_REPORTS) {
				this.entries.removeLast();
			}
			this.entries.addFirst(entry);
		}
		return entry;
	}

	static String millis(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
	}

	/**
	 * Repeats of one call site since its last line.
	 */
	private static final class Fold {

		long since;

		long folded;

		long longest;

		Fold(long since) {
			this.since = since;
		}

	}

	/**
	 * One report while it is being written: an episode that is still going has no length yet.
	 */
	static final class Entry {

		private final Kind kind;

		private final StallCause cause;

		private final @Nullable String thread;

		private final Instant startedAt;

		private final long startNanos;

		private final List<String> stack;

		private final List<String> culprit;

		private final String evidence;

		// what the call-site recorder saw during the episode, added as its events arrive
		private volatile @Nullable String recorded;

		private volatile long lengthNanos = -1;

		// written by the watchdog thread only
		boolean warned;

		Entry(Kind kind, StallCause cause, @Nullable String thread, Instant startedAt, long startNanos,
				List<String> stack, List<String> culprit, String evidence) {
			this.kind = kind;
			this.cause = cause;
			this.thread = thread;
			this.startedAt = startedAt;
			this.startNanos = startNanos;
			this.stack = stack;
			this.culprit = culprit;
			this.evidence = evidence;
		}

		StallCause cause() {
			return this.cause;
		}

		synchronized void record(String call) {
			String recorded = this.recorded;
			if (recorded == null) {
				this.recorded = call;
			}
			else if (recorded.length() < 600 && !recorded.contains(call)) {
				this.recorded = recorded + ", " + call.substring("flight recorder: ".length());
			}
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
			String recorded = this.recorded;
			return new StallReport(this.kind, this.cause, this.thread, this.startedAt, duration, ended, this.stack,
					this.culprit, (recorded != null) ? this.evidence + "; " + recorded : this.evidence);
		}

	}

	/**
	 * An episode that was over before the watchdog could sample its loop, while it waits for
	 * the recorder's events.
	 */
	private record Missed(String thread, long startNanos, long lengthNanos, Duration threshold, Duration interval,
			StallCause cause, String evidence, Instant startedAt, AtomicBoolean matched) {

		long endNanos() {
			return this.startNanos + this.lengthNanos;
		}

		Instant endedAt() {
			return this.startedAt.plusNanos(this.lengthNanos);
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
