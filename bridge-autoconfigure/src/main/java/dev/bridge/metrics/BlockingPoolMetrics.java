package dev.bridge.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.search.Search;

import org.springframework.context.SmartLifecycle;

import dev.bridge.BlockingBridge;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolTaskListener;

/**
 * Meters of every pool of a {@link BlockingBridge}, tagged {@code name=bridge.<pool>} like
 * any executor Micrometer knows:
 * <ul>
 * <li>Micrometer's own {@link ExecutorServiceMetrics}, bound to the pool's raw
 * {@link java.util.concurrent.ThreadPoolExecutor}: {@code executor.queued} (pool depth),
 * {@code executor.active}, {@code executor.pool.size}, {@code executor.pool.core},
 * {@code executor.pool.max}, {@code executor.queue.remaining},
 * {@code executor.completed};</li>
 * <li>the timers {@code executor} (run time) and {@code executor.idle} (queue wait), with
 * the names and tags Micrometer's {@code ExecutorServiceMetrics.monitor(..)} gives them;</li>
 * <li>{@code bridge.pool.rejected} and {@code bridge.pool.cancelled} counters, tagged
 * {@code pool=<pool>}.</li>
 * </ul>
 * Micrometer records the two timers by wrapping the executor ({@code monitor(..)} returns a
 * {@code TimedExecutorService}). A pool cannot be wrapped: it must execute its own tasks so
 * that a cancelled subscriber takes its task back out of the queue
 * ({@code ThreadPoolExecutor.remove} needs the very object that was queued) and so that
 * shutdown can fail the tasks that never started, and its executor exists before any
 * registry does. The timers are therefore fed by a {@link PoolTaskListener} on the pool,
 * which measures the same two spans as Micrometer's wrapper.
 * <p>
 * As a {@link SmartLifecycle} in the phase after the bridge's, it removes every meter it
 * registered once the bridge has drained and closed, so that a closed pool does not go on
 * reporting stale figures.
 */
public class BlockingPoolMetrics implements MeterBinder, SmartLifecycle {

	/**
	 * Prefix of the executor name of a pool: pool {@code default} is tagged
	 * {@code name=bridge.default}.
	 */
	public static final String EXECUTOR_NAME_PREFIX = "bridge.";

	/**
	 * Lifecycle phase: stopped right after the bridge, so that the meters show the drain.
	 */
	public static final int PHASE = BlockingBridge.PHASE - 1;

	private final BlockingBridge bridge;

	private final Iterable<Tag> tags;

	/** Registries bound so far; a second bind to the same registry would double-count. */
	private final Map<MeterRegistry, List<PoolBinding>> bindings = new IdentityHashMap<>();

	private volatile boolean running;

	/**
	 * Meters for every pool of the bridge, with no extra tags.
	 * @param bridge the bridge
	 */
	public BlockingPoolMetrics(BlockingBridge bridge) {
		this(bridge, Collections.emptyList());
	}

	/**
	 * Meters for every pool of the bridge.
	 * @param bridge the bridge
	 * @param tags tags added to every meter
	 */
	public BlockingPoolMetrics(BlockingBridge bridge, Iterable<Tag> tags) {
		this.bridge = bridge;
		this.tags = tags;
	}

	/**
	 * Executor name of a pool, the value of its {@code name} tag.
	 * @param pool the pool
	 * @return {@code bridge.<pool>}
	 */
	public static String executorName(BlockingPool pool) {
		return EXECUTOR_NAME_PREFIX + pool.name();
	}

	@Override
	public synchronized void bindTo(MeterRegistry registry) {
		if (this.bridge.isClosed() || this.bindings.containsKey(registry)) {
			return;
		}
		List<PoolBinding> bound = new ArrayList<>();
		for (BlockingPool pool : this.bridge.pools()) {
			bound.add(bind(registry, pool));
		}
		this.bindings.put(registry, bound);
	}

	private PoolBinding bind(MeterRegistry registry, BlockingPool pool) {
		String executorName = executorName(pool);
		Tags executorTags = Tags.concat(this.tags, "name", executorName);
		// ExecutorServiceMetrics does not say what it registered (it differs between
		// Micrometer versions), so what to remove later is what appeared while it bound.
		Set<Meter> before = Collections.newSetFromMap(new IdentityHashMap<>());
		before.addAll(executorMeters(registry, executorName));
		new ExecutorServiceMetrics(pool.executor(), executorName, this.tags).bindTo(registry);
		List<Meter> meters = new ArrayList<>();
		for (Meter meter : executorMeters(registry, executorName)) {
			if (!before.contains(meter)) {
				meters.add(meter);
			}
		}
		Timer run = Timer.builder("executor")
			.tags(executorTags)
			.description("Time tasks of the pool ran")
			.register(registry);
		Timer idle = Timer.builder("executor.idle")
			.tags(executorTags)
			.description("Time tasks of the pool waited in its queue before they ran")
			.register(registry);
		meters.add(run);
		meters.add(idle);
		Tags poolTags = Tags.concat(this.tags, "pool", pool.name());
		meters.add(FunctionCounter.builder("bridge.pool.rejected", pool, BlockingPool::rejectedCount)
			.tags(poolTags)
			.description("Tasks refused because the pool's queue was full or the pool was shut down")
			.baseUnit(BaseUnits.TASKS)
			.register(registry));
		meters.add(FunctionCounter.builder("bridge.pool.cancelled", pool, BlockingPool::cancelledCount)
			.tags(poolTags)
			.description("Tasks whose subscriber cancelled before they completed")
			.baseUnit(BaseUnits.TASKS)
			.register(registry));
		TaskTimers timers = new TaskTimers(run, idle);
		pool.addTaskListener(timers);
		return new PoolBinding(pool, timers, meters);
	}

	private static List<Meter> executorMeters(MeterRegistry registry, String executorName) {
		return Search.in(registry)
			.tag("name", executorName)
			.meters()
			.stream()
			.filter((meter) -> meter.getId().getName().startsWith("executor"))
			.toList();
	}

	/**
	 * Removes every meter this binder registered, from every registry it was bound to.
	 */
	public synchronized void unbind() {
		this.bindings.forEach((registry, bound) -> {
			for (PoolBinding binding : bound) {
				binding.pool().removeTaskListener(binding.timers());
				binding.meters().forEach(registry::remove);
			}
		});
		this.bindings.clear();
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		unbind();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	private record PoolBinding(BlockingPool pool, TaskTimers timers, List<Meter> meters) {
	}

	/**
	 * Feeds the two timers of one pool in one registry. A class, not a record: the pool
	 * removes listeners by equality, and two bindings must never be equal.
	 */
	private static final class TaskTimers implements PoolTaskListener {

		private final Timer run;

		private final Timer idle;

		TaskTimers(Timer run, Timer idle) {
			this.run = run;
			this.idle = idle;
		}

		@Override
		public void taskStarting(long waitedNanos) {
			this.idle.record(waitedNanos, TimeUnit.NANOSECONDS);
		}

		@Override
		public void taskFinished(long ranNanos) {
			this.run.record(ranNanos, TimeUnit.NANOSECONDS);
		}

	}

}
