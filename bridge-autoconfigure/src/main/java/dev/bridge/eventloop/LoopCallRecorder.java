package dev.bridge.eventloop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

import dev.bridge.settings.DurationText;

/**
 * Finds where event loops block or burn CPU, even briefly: calls far below the watchdog's
 * threshold that still hold a loop up, such as a JDBC call to an in-memory database on
 * every request.
 * <p>
 * It streams JDK Flight Recorder events in this JVM ({@link RecordingStream}, JDK 14 and
 * newer: no agent, no JVM flag): {@code jdk.ThreadSleep}, {@code jdk.SocketRead},
 * {@code jdk.SocketWrite}, {@code jdk.FileRead}, {@code jdk.FileWrite},
 * {@code jdk.JavaMonitorEnter}, {@code jdk.JavaMonitorWait} and {@code jdk.ThreadPark}
 * that last at least {@code threshold}, and {@code jdk.ExecutionSample} every
 * {@value #SAMPLE_PERIOD_MILLIS} ms. Events of threads that are not event loops, and a
 * loop's own idle waits, are dropped. Each remaining event goes to the
 * {@link EventLoopReports.EventLoopListener#onCallSite listeners} and is counted under its
 * call site: the innermost application frame (or the innermost frame when there is none)
 * and what the loop did there. JFR hands events over about once a second, so call sites
 * show up with that delay.
 * <p>
 * JFR records at most 64 frames per stack unless the JVM is told otherwise, so an
 * application frame deeper than that is not seen; the call site is then the innermost
 * frame.
 */
public class LoopCallRecorder implements SmartLifecycle {

	/**
	 * Shortest blocking call recorded unless configured.
	 */
	public static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(1);

	/**
	 * Period of the CPU samples of the loops, in milliseconds.
	 */
	public static final long SAMPLE_PERIOD_MILLIS = 20;

	/**
	 * Most call sites kept; calls from further sites are still handed to listeners.
	 */
	public static final int MAX_CALL_SITES = 1000;

	private static final Duration SAMPLE_PERIOD = Duration.ofMillis(SAMPLE_PERIOD_MILLIS);

	private static final Map<String, String> KINDS = Map.of("jdk.ThreadSleep", "sleep", "jdk.SocketRead",
			"socket-read", "jdk.SocketWrite", "socket-write", "jdk.FileRead", "file-read", "jdk.FileWrite",
			"file-write", "jdk.JavaMonitorEnter", "monitor-enter", "jdk.JavaMonitorWait", "monitor-wait",
			"jdk.ThreadPark", "park");

	private static final String EXECUTION_SAMPLE = "jdk.ExecutionSample";

	private static final Log logger = LogFactory.getLog(LoopCallRecorder.class);

	private final EventLoopReports reports;

	private final Predicate<String> loopThreads;

	private final Duration threshold;

	private final Map<SiteKey, Site> sites = new ConcurrentHashMap<>();

	private final Object lifecycleMonitor = new Object();

	private volatile @Nullable RecordingStream stream;

	/**
	 * A recorder of the threads that {@code loopThreads} accepts, not started yet.
	 * @param reports where recorded calls go
	 * @param loopThreads tells loop threads by name, such as
	 * {@link EventLoopWatchdog#isLoopThread}
	 * @param threshold shortest blocking call recorded
	 */
	public LoopCallRecorder(EventLoopReports reports, Predicate<String> loopThreads, Duration threshold) {
		this.reports = Objects.requireNonNull(reports, "reports must not be null");
		this.loopThreads = Objects.requireNonNull(loopThreads, "loopThreads must not be null");
		String problem = thresholdProblem(threshold);
		if (problem != null) {
			throw new IllegalArgumentException("bridge.eventloop.call-sites.threshold " + problem);
		}
		this.threshold = threshold;
	}

	/**
	 * A recorder of the loops that {@code watchdog} probes, not started yet.
	 * @param reports where recorded calls go
	 * @param watchdog the watchdog that knows the loop threads
	 * @param threshold shortest blocking call recorded
	 */
	public LoopCallRecorder(EventLoopReports reports, EventLoopWatchdog watchdog, Duration threshold) {
		this(reports, watchdog::isLoopThread, threshold);
	}

	/**
	 * Tells event-loop threads by the names Reactor Netty and Reactor give them, for a
	 * recorder without a watchdog.
	 * @return the predicate
	 */
	public static Predicate<String> reactorLoopThreads() {
		return (name) -> name.startsWith("reactor-http-") || name.startsWith("reactor-tcp-")
				|| name.startsWith("reactor-udp-") || name.startsWith("parallel-");
	}

	/**
	 * What is wrong with a threshold.
	 * @param threshold the value
	 * @return the problem, or {@code null}
	 */
	public static @Nullable String thresholdProblem(@Nullable Duration threshold) {
		return DurationText.problem(threshold, Duration.ZERO);
	}

	/**
	 * Shortest blocking call this recorder records.
	 * @return the recording threshold
	 */
	public Duration getThreshold() {
		return this.threshold;
	}

	@Override
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.stream != null) {
				return;
			}
			RecordingStream stream = new RecordingStream();
			for (String event : KINDS.keySet()) {
				stream.enable(event).withThreshold(this.threshold).withStackTrace();
				stream.onEvent(event, this::accept);
			}
			stream.enable(EXECUTION_SAMPLE).withPeriod(SAMPLE_PERIOD);
			stream.onEvent(EXECUTION_SAMPLE, this::accept);
			stream.setReuse(true);
			stream.setOrdered(false);
			stream.onFlush(this::flushed);
			stream.startAsync();
			this.reports.recorderStarted();
			this.stream = stream;
		}
	}

	@Override
	public void stop() {
		RecordingStream stream;
		synchronized (this.lifecycleMonitor) {
			stream = this.stream;
			this.stream = null;
		}
		if (stream != null) {
			stream.close();
			this.reports.recorderStopped();
		}
	}

	private void flushed() {
		this.reports.recorderFlushed();
	}

	@Override
	public boolean isRunning() {
		return this.stream != null;
	}

	@Override
	public int getPhase() {
		return EventLoopWatchdog.PHASE;
	}

	void accept(RecordedEvent event) {
		try {
			String type = event.getEventType().getName();
			boolean sample = EXECUTION_SAMPLE.equals(type);
			RecordedThread thread = sample ? event.getThread("sampledThread") : event.getThread();
			String name = (thread != null) ? thread.getJavaName() : null;
			if (name == null || !this.loopThreads.test(name)) {
				return;
			}
			StackTraceElement[] stack = stack(event.getStackTrace());
			if (stack.length == 0 || StackFrames.isIdle(stack)) {
				return;
			}
			String kind = sample ? LoopCallEvent.CPU : KINDS.getOrDefault(type, type);
			Duration duration = sample ? SAMPLE_PERIOD : event.getDuration();
			LoopCallEvent call = new LoopCallEvent(name, event.getStartTime(), duration, kind, List.of(stack));
			record(call);
			this.reports.callSite(call);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not read a flight recorder event", ex);
		}
	}

	/**
	 * Counts a call under its call site.
	 * @param call the call
	 */
	void record(LoopCallEvent call) {
		StackTraceElement frame = null;
		for (StackTraceElement element : call.stack()) {
			if (StackFrames.isApplication(element)) {
				frame = element;
				break;
			}
		}
		if (frame == null) {
			frame = call.stack().get(0);
		}
		SiteKey key = new SiteKey(frame.getClassName() + "." + frame.getMethodName(), call.kind());
		Site site = this.sites.get(key);
		if (site == null) {
			if (this.sites.size() >= MAX_CALL_SITES) {
				return;
			}
			site = this.sites.computeIfAbsent(key, (k) -> new Site());
		}
		site.add(frame.toString(), call.duration().toNanos());
	}

	/**
	 * The call sites on loops that took the most time, longest first.
	 * @param limit most sites returned
	 * @return the sites
	 */
	public List<LoopCallSite> topCallSites(int limit) {
		List<LoopCallSite> all = new ArrayList<>();
		this.sites.forEach((key, site) -> all.add(site.toCallSite(key)));
		all.sort(Comparator.comparing(LoopCallSite::total).reversed());
		return List.copyOf(all.subList(0, Math.min(limit, all.size())));
	}

	/**
	 * Forgets every call site.
	 */
	public void clear() {
		this.sites.clear();
	}

	private static StackTraceElement[] stack(@Nullable RecordedStackTrace trace) {
		if (trace == null) {
			return new StackTraceElement[0];
		}
		List<RecordedFrame> frames = trace.getFrames();
		StackTraceElement[] stack = new StackTraceElement[frames.size()];
		for (int i = 0; i < stack.length; i++) {
			RecordedFrame frame = frames.get(i);
			String type = frame.getMethod().getType().getName();
			int line = frame.getLineNumber();
			// JFR keeps no file names: the top-level class's, as javac names its source file
			stack[i] = new StackTraceElement(type, frame.getMethod().getName(),
					frame.isJavaFrame() ? sourceFile(type) : null, frame.isJavaFrame() ? line : -2);
		}
		return stack;
	}

	private static String sourceFile(String type) {
		String simple = type.substring(type.lastIndexOf('.') + 1);
		int nested = simple.indexOf('$');
		return ((nested > 0) ? simple.substring(0, nested) : simple) + ".java";
	}

	private record SiteKey(String method, String kind) {
	}

	/**
	 * Counts of one call site.
	 */
	private static final class Site {

		private @Nullable String frame;

		private long count;

		private long totalNanos;

		private long maxNanos;

		synchronized void add(String frame, long nanos) {
			this.frame = frame;
			this.count++;
			this.totalNanos += nanos;
			this.maxNanos = Math.max(this.maxNanos, nanos);
		}

		synchronized LoopCallSite toCallSite(SiteKey key) {
			return new LoopCallSite((this.frame != null) ? this.frame : key.method(), key.kind(),
					!LoopCallEvent.CPU.equals(key.kind()), this.count, Duration.ofNanos(this.totalNanos),
					Duration.ofNanos(this.maxNanos));
		}

	}

}
