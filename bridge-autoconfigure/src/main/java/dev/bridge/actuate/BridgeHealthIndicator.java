package dev.bridge.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import dev.bridge.BlockingBridge;
import dev.bridge.eventloop.EventLoopMonitor;
import dev.bridge.eventloop.LoopStats;
import dev.bridge.pool.BlockingPool;

/**
 * Health contributor {@code bridge}: each pool's saturation and the event loops' current
 * stall, in the details.
 * <p>
 * Status mapping:
 * <ul>
 * <li>{@link Status#UP} while the bridge runs, <em>also</em> when a pool is saturated or a
 * loop is stalled past the watchdog's threshold. Both are load conditions that usually
 * clear by themselves; reporting them as {@code DOWN} would have a load balancer or an
 * orchestrator pull or restart the instance over one slow request and push its load onto
 * the others. They show in the details instead: {@code saturated: true} on the pool, the
 * loop under {@code eventLoops.stalled}, and a sentence under {@code warnings} naming the
 * pool or loop and what to do. Alert on the meters ({@code bridge.pool.rejected},
 * {@code executor.queue.remaining}, {@code bridge.eventloop.stall}) rather than on this
 * status.</li>
 * <li>{@link Status#OUT_OF_SERVICE} once the bridge is closed (the application is shutting
 * down): its pools refuse every task.</li>
 * </ul>
 * Users who want a saturated pool to fail the health check can replace this bean (named
 * {@code bridgeHealthIndicator}).
 */
public class BridgeHealthIndicator implements HealthIndicator {

	private final BlockingBridge bridge;

	private final @Nullable EventLoopMonitor monitor;

	private final Duration stallThreshold;

	/**
	 * A health indicator over the bridge's pools, and the loops when a watchdog runs.
	 * @param bridge the bridge
	 * @param monitor the event-loop watchdog, {@code null} when it is not running
	 * @param stallThreshold loop delay that counts as a stall
	 * ({@code bridge.eventloop.watchdog.threshold})
	 */
	public BridgeHealthIndicator(BlockingBridge bridge, @Nullable EventLoopMonitor monitor, Duration stallThreshold) {
		this.bridge = bridge;
		this.monitor = monitor;
		this.stallThreshold = stallThreshold;
	}

	@Override
	public Health health() {
		if (this.bridge.isClosed()) {
			return Health.outOfService()
				.withDetail("reason", "the blocking bridge is closed because the application is shutting down; "
						+ "its pools refuse every task")
				.build();
		}
		List<String> warnings = new ArrayList<>();
		Map<String, Object> pools = new LinkedHashMap<>();
		for (BlockingPool pool : this.bridge.pools()) {
			pools.put(pool.name(), pool(pool, warnings));
		}
		Health.Builder health = Health.up().withDetail("pools", pools).withDetail("eventLoops", eventLoops(warnings));
		if (!warnings.isEmpty()) {
			health.withDetail("warnings", warnings);
		}
		return health.build();
	}

	private static Map<String, Object> pool(BlockingPool pool, List<String> warnings) {
		int queued = pool.queued();
		int queueCapacity = pool.settings().queueCapacity();
		int active = pool.active();
		int maxThreads = pool.settings().maxThreads();
		boolean saturated = pool.isSaturated();
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("queued", queued);
		details.put("queueCapacity", queueCapacity);
		details.put("active", active);
		details.put("maxThreads", maxThreads);
		details.put("saturated", saturated);
		if (saturated) {
			warnings.add("pool '" + pool.name() + "' is saturated (queued " + queued + "/" + queueCapacity
					+ ", active " + active + "/" + maxThreads + "): new tasks are refused with HTTP 503; find what "
					+ "holds its threads in /actuator/bridge or a thread dump, or raise bridge.pools." + pool.name()
					+ ".max-threads or bridge.pools." + pool.name() + ".queue-capacity");
		}
		return details;
	}

	private Map<String, Object> eventLoops(List<String> warnings) {
		Map<String, Object> details = new LinkedHashMap<>();
		EventLoopMonitor monitor = this.monitor;
		details.put("monitored", monitor != null);
		if (monitor == null) {
			return details;
		}
		details.put("currentStallSeconds", monitor.currentStallSeconds());
		Map<String, Object> stalled = new LinkedHashMap<>();
		for (LoopStats loop : monitor.loops()) {
			if (loop.stalledFor().compareTo(this.stallThreshold) >= 0) {
				double millis = BridgeEndpoint.millis(loop.stalledFor());
				stalled.put(loop.thread(), Map.of("group", loop.group(), "stalledForMillis", millis));
				warnings.add("event loop '" + loop.thread() + "' has been stalled for " + Math.round(millis)
						+ " ms (threshold " + this.stallThreshold.toMillis() + " ms): the stall report in "
						+ "/actuator/bridge shows the blocking frames; move that call off the loop with @Blocking "
						+ "or BlockingBridge.spawn");
			}
		}
		details.put("stalled", stalled);
		return details;
	}

}
