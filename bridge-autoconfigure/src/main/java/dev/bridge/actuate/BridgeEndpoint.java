package dev.bridge.actuate;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import dev.bridge.BlockingBridge;
import dev.bridge.GuardMode;
import dev.bridge.aspect.EventLoopGuard;
import dev.bridge.eventloop.EventLoopMonitor;
import dev.bridge.eventloop.LoopCallRecorder;
import dev.bridge.eventloop.LoopCallSite;
import dev.bridge.eventloop.LoopStats;
import dev.bridge.eventloop.StallReport;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolSettings;

/**
 * {@code /actuator/bridge}: each pool's configuration and live figures, the event loops'
 * probe figures and latest stall reports (with stacks), and the event-loop guard's hits.
 * <p>
 * Measured durations are numbers of milliseconds (fields ending in {@code Millis}) so that
 * scripts can compare them; configured durations are ISO-8601 strings, as
 * {@link Duration#toString()} writes them; instants are ISO-8601 strings.
 */
@Endpoint(id = "bridge")
public class BridgeEndpoint {

	/**
	 * Most stall reports returned, newest first.
	 */
	public static final int MAX_STALL_REPORTS = 20;

	/**
	 * Most call sites returned, most time first.
	 */
	public static final int MAX_CALL_SITES = 20;

	private final BlockingBridge bridge;

	private final @Nullable EventLoopMonitor monitor;

	private final @Nullable EventLoopGuard guard;

	private final @Nullable LoopCallRecorder callSites;

	/**
	 * An endpoint over the bridge's pools, and the loops and guard when they exist.
	 * @param bridge the bridge
	 * @param monitor the event-loop watchdog, {@code null} when it is not running
	 * @param guard the event-loop guard, {@code null} when the aspect is not installed
	 */
	public BridgeEndpoint(BlockingBridge bridge, @Nullable EventLoopMonitor monitor, @Nullable EventLoopGuard guard) {
		this(bridge, monitor, guard, null);
	}

	/**
	 * An endpoint over the bridge's pools, and the loops, guard and call sites when they
	 * exist.
	 * @param bridge the bridge
	 * @param monitor the event-loop watchdog, {@code null} when it is not running
	 * @param guard the event-loop guard, {@code null} when the aspect is not installed
	 * @param callSites the call-site recorder, {@code null} when it is off
	 */
	public BridgeEndpoint(BlockingBridge bridge, @Nullable EventLoopMonitor monitor, @Nullable EventLoopGuard guard,
			@Nullable LoopCallRecorder callSites) {
		this.bridge = bridge;
		this.monitor = monitor;
		this.guard = guard;
		this.callSites = callSites;
	}

	/**
	 * Everything Bridge knows right now.
	 * @return the pools, event loops and guard
	 */
	@ReadOperation
	public BridgeDescriptor bridge() {
		Map<String, PoolDescriptor> pools = new LinkedHashMap<>();
		for (BlockingPool pool : this.bridge.pools()) {
			pools.put(pool.name(), PoolDescriptor.of(pool));
		}
		return new BridgeDescriptor(this.bridge.isClosed(), pools, eventLoops(), guard());
	}

	private EventLoopsDescriptor eventLoops() {
		EventLoopMonitor monitor = this.monitor;
		LoopCallRecorder recorder = this.callSites;
		CallSitesDescriptor callSites = (recorder != null)
				? new CallSitesDescriptor(true, recorder.topCallSites(MAX_CALL_SITES)
					.stream()
					.map(CallSiteDescriptor::of)
					.toList())
				: new CallSitesDescriptor(false, List.of());
		if (monitor == null) {
			return new EventLoopsDescriptor(false, 0, 0, List.of(), List.of(), callSites);
		}
		List<LoopDescriptor> loops = monitor.loops().stream().map(LoopDescriptor::of).toList();
		List<StallDescriptor> stalls = monitor.recentStalls()
			.stream()
			.limit(MAX_STALL_REPORTS)
			.map(StallDescriptor::of)
			.toList();
		return new EventLoopsDescriptor(true, monitor.currentStallSeconds(), monitor.blockingCalls(), loops, stalls,
				callSites);
	}

	private GuardDescriptor guard() {
		EventLoopGuard guard = this.guard;
		if (guard == null) {
			// Without the aspect nothing checks @Blocking methods, whatever the property says.
			return new GuardDescriptor(false, lowerCase(GuardMode.OFF), Map.of());
		}
		return new GuardDescriptor(true, lowerCase(guard.getMode()), guard.hits());
	}

	private static String lowerCase(GuardMode mode) {
		return mode.name().toLowerCase(Locale.ROOT);
	}

	static double millis(Duration duration) {
		return duration.toNanos() / 1_000_000.0;
	}

	/**
	 * The endpoint's response.
	 *
	 * @param closed whether the bridge is closed (the application is shutting down)
	 * @param pools each pool by name, in configuration order
	 * @param eventLoops the event loops
	 * @param guard the event-loop guard
	 */
	public record BridgeDescriptor(boolean closed, Map<String, PoolDescriptor> pools, EventLoopsDescriptor eventLoops,
			GuardDescriptor guard) implements OperationResponseBody {
	}

	/**
	 * One pool: its configuration and live figures.
	 *
	 * @param config the pool's settings
	 * @param threads threads alive
	 * @param active threads running a task
	 * @param queued tasks waiting for a thread
	 * @param completed tasks completed since start-up
	 * @param rejected tasks refused (queue full or pool shut down)
	 * @param cancelled tasks whose subscriber cancelled before they completed
	 * @param abandoned tasks abandoned at shutdown
	 * @param saturated whether the next task would be refused
	 */
	public record PoolDescriptor(PoolConfigDescriptor config, int threads, int active, int queued, long completed,
			long rejected, long cancelled, long abandoned, boolean saturated) {

		static PoolDescriptor of(BlockingPool pool) {
			return new PoolDescriptor(PoolConfigDescriptor.of(pool.settings()), pool.threads(), pool.active(),
					pool.queued(), pool.executor().getCompletedTaskCount(), pool.rejectedCount(),
					pool.cancelledCount(), pool.abandonedCount(), pool.isSaturated());
		}

	}

	/**
	 * Settings of a pool, as the {@code bridge.pools.<name>.*} properties name them.
	 *
	 * @param maxThreads most threads
	 * @param queueCapacity most queued tasks
	 * @param keepAlive idle thread time-to-live, ISO-8601
	 * @param timeout default per-call timeout, ISO-8601, {@code null} for none
	 * @param virtualThreads whether tasks run on virtual threads
	 * @param interruptOnCancel whether a running task is interrupted when its subscriber
	 * cancels
	 */
	public record PoolConfigDescriptor(int maxThreads, int queueCapacity, String keepAlive, @Nullable String timeout,
			boolean virtualThreads, boolean interruptOnCancel) {

		static PoolConfigDescriptor of(PoolSettings settings) {
			Duration timeout = settings.timeout();
			return new PoolConfigDescriptor(settings.maxThreads(), settings.queueCapacity(),
					settings.keepAlive().toString(), (timeout != null) ? timeout.toString() : null,
					settings.virtualThreads(), settings.interruptOnCancel());
		}

	}

	/**
	 * The event loops, as the watchdog sees them.
	 *
	 * @param monitored whether a watchdog is running; when not, the rest is empty
	 * @param currentStallSeconds seconds the most-stalled loop has been stuck right now, 0
	 * when none is
	 * @param blockingCalls blocking calls caught on event loops since start-up
	 * @param loops each probed loop
	 * @param recentStalls the latest stall reports, newest first
	 * @param callSites where loops blocked or ran CPU-heavy code, however briefly
	 */
	public record EventLoopsDescriptor(boolean monitored, double currentStallSeconds, long blockingCalls,
			List<LoopDescriptor> loops, List<StallDescriptor> recentStalls, CallSitesDescriptor callSites) {
	}

	/**
	 * Call sites on event loops recorded with JDK Flight Recorder.
	 *
	 * @param recording whether the recorder runs ({@code bridge.eventloop.call-sites.enabled})
	 * @param top the call sites that took the most time, most first
	 */
	public record CallSitesDescriptor(boolean recording, List<CallSiteDescriptor> top) {
	}

	/**
	 * One call site.
	 *
	 * @param frame the application frame (the innermost frame when there is none)
	 * @param kind what the loops did: {@code sleep}, {@code socket-read}, {@code cpu}, ...
	 * @param blocking whether the loops waited there, {@code false} for CPU samples
	 * @param count calls, or CPU samples
	 * @param totalMillis time they took
	 * @param maxMillis longest call
	 */
	public record CallSiteDescriptor(String frame, String kind, boolean blocking, long count, double totalMillis,
			double maxMillis) {

		static CallSiteDescriptor of(LoopCallSite site) {
			return new CallSiteDescriptor(site.frame(), site.kind(), site.blocking(), site.count(),
					millis(site.total()), millis(site.max()));
		}

	}

	/**
	 * Probe figures of one loop.
	 *
	 * @param thread the loop thread's name
	 * @param group where the loop comes from
	 * @param lastDelayMillis scheduling delay of the latest probe
	 * @param maxDelayMillis largest probe delay seen
	 * @param stalls stall episodes so far
	 * @param stalledForMillis how long the loop has been stalled right now, 0 when it is not
	 */
	public record LoopDescriptor(String thread, String group, double lastDelayMillis, double maxDelayMillis,
			long stalls, double stalledForMillis) {

		static LoopDescriptor of(LoopStats stats) {
			return new LoopDescriptor(stats.thread(), stats.group(), millis(stats.lastDelay()),
					millis(stats.maxDelay()), stats.stalls(), millis(stats.stalledFor()));
		}

	}

	/**
	 * One stall report.
	 *
	 * @param kind {@code LOOP_STALL}, {@code BLOCKING_CALL} or {@code JVM_PAUSE}
	 * @param cause {@code blocked}, {@code busy}, {@code starved} or {@code jvm-pause}
	 * @param thread the stalled loop thread, {@code null} for a JVM pause
	 * @param startedAt when the stall began, ISO-8601
	 * @param durationMillis how long it lasted, or has lasted so far
	 * @param ended whether the episode is over
	 * @param stack the loop thread's whole stack when the stall was detected, empty when no
	 * code is blamed
	 * @param culprit the frames to blame
	 * @param evidence what the cause was decided on
	 */
	public record StallDescriptor(String kind, String cause, @Nullable String thread, String startedAt,
			double durationMillis, boolean ended, List<String> stack, List<String> culprit, String evidence) {

		static StallDescriptor of(StallReport report) {
			return new StallDescriptor(report.kind().name(), report.cause().tagValue(), report.thread(),
					report.startedAt().toString(), millis(report.duration()), report.ended(), report.stack(),
					report.culprit(), report.evidence());
		}

	}

	/**
	 * The guard of {@code @Blocking} methods with a plain return type called on an event
	 * loop.
	 *
	 * @param active whether the {@code @Blocking} aspect is installed
	 * @param mode {@code fail}, {@code warn} or {@code off}
	 * @param hits calls caught on an event loop, by method
	 */
	public record GuardDescriptor(boolean active, String mode, Map<String, Long> hits) {
	}

}
