package dev.bridge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

import dev.bridge.context.ContextCarrier;
import dev.bridge.eventloop.EventLoops;
import dev.bridge.offload.Offloader;
import dev.bridge.offload.Offloaders;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolSettings;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The runtime that owns Bridge's bounded, named blocking pools: the two bridges between
 * synchronous and reactive code.
 * <ul>
 * <li>{@link #spawn(Callable)}: run blocking work on a pool and get a {@link Mono} (Tokio's
 * {@code spawn_blocking});</li>
 * <li>{@link #blockOn(Mono)}: wait for reactive work from a synchronous edge, never on an
 * event loop (Tokio's {@code block_on}).</li>
 * </ul>
 * The pool {@value #DEFAULT_POOL} always exists. Each offloaded call carries the caller's
 * context (MDC, Reactor context, the current observation) onto the pool thread and is an
 * {@link Observation} named {@value #OBSERVATION_NAME}. On close the bridge stops taking
 * work, drains for the configured period, then interrupts what is left.
 */
public final class BlockingBridge implements SmartLifecycle {

	/**
	 * Name of the pool that always exists.
	 */
	public static final String DEFAULT_POOL = "default";

	/**
	 * Name of the observation of each offloaded call.
	 */
	public static final String OBSERVATION_NAME = Offloader.OBSERVATION_NAME;

	/**
	 * Lifecycle phase: stopped after the web server (which stops at
	 * {@code DEFAULT_PHASE - 2048}) so that in-flight requests finish their blocking work
	 * during a graceful shutdown.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(BlockingBridge.class);

	private static final String SPAWN = "BlockingBridge.spawn";

	static {
		// How the aspect and the WebFlux integration reach the pipeline behind spawn.
		Offloaders.install((bridge) -> ((BlockingBridge) bridge).offloader);
	}

	private final Map<String, BlockingPool> pools;

	private final Duration awaitTermination;

	private final Offloader offloader;

	private volatile boolean running;

	private volatile boolean closed;

	private BlockingBridge(Builder builder) {
		Map<String, BlockingPool> created = new LinkedHashMap<>();
		try {
			for (PoolSettings settings : builder.pools.values()) {
				created.put(settings.name(), new BlockingPool(settings, BridgeFailures.INSTANCE));
			}
		}
		catch (RuntimeException ex) {
			created.values().forEach((pool) -> pool.shutdown(Duration.ZERO));
			throw ex;
		}
		this.pools = Collections.unmodifiableMap(created);
		this.awaitTermination = builder.awaitTermination;
		this.offloader = new Offloader(this::pool, builder.observationRegistry, builder.contextCarrier,
				BridgeFailures.INSTANCE);
	}

	/**
	 * A builder with the {@value #DEFAULT_POOL} pool at its defaults.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	// ---- spawn_blocking ------------------------------------------------------------

	/**
	 * Runs blocking work on the {@value #DEFAULT_POOL} pool when the returned {@link Mono}
	 * is subscribed to.
	 * @param <T> result type
	 * @param task the blocking work; a {@code null} result completes the Mono empty
	 * @return a Mono of the result
	 */
	public <T> Mono<T> spawn(Callable<? extends T> task) {
		return spawn(DEFAULT_POOL, task);
	}

	/**
	 * Runs blocking work on the named pool when the returned {@link Mono} is subscribed to.
	 * Cancelling the subscription removes the task from the queue, or interrupts it while it
	 * runs when the pool has {@code interrupt-on-cancel}. The pool's timeout applies.
	 * @param <T> result type
	 * @param pool the pool name
	 * @param task the blocking work; a {@code null} result completes the Mono empty
	 * @return a Mono of the result
	 * @throws UnknownBlockingPoolException if no pool has that name
	 */
	public <T> Mono<T> spawn(String pool, Callable<? extends T> task) {
		Objects.requireNonNull(task, "task must not be null");
		return this.offloader.mono(pool, SPAWN, null, () -> Mono.justOrEmpty(task.call()));
	}

	/**
	 * Runs a blocking function once per batch of items on the {@value #DEFAULT_POOL} pool,
	 * one batch at a time, keeping the order: one task per batch, never one per item.
	 * @param <T> item type
	 * @param <R> result type
	 * @param items the items
	 * @param batchSize most items per batch
	 * @param fn the blocking function, from a batch to its results
	 * @return the results, in order
	 */
	public <T, R> Flux<R> spawnBatched(Flux<T> items, int batchSize, Function<List<T>, List<R>> fn) {
		return spawnBatched(DEFAULT_POOL, items, batchSize, 1, fn);
	}

	/**
	 * Runs a blocking function once per batch of items on the named pool, up to
	 * {@code concurrency} batches at a time, keeping the order of the results.
	 * @param <T> item type
	 * @param <R> result type
	 * @param pool the pool name
	 * @param items the items
	 * @param batchSize most items per batch
	 * @param concurrency most batches running at once
	 * @param fn the blocking function, from a batch to its results
	 * @return the results, in order
	 */
	public <T, R> Flux<R> spawnBatched(String pool, Flux<T> items, int batchSize, int concurrency,
			Function<List<T>, List<R>> fn) {
		if (batchSize <= 0) {
			throw new IllegalArgumentException("batchSize must be strictly positive, was " + batchSize);
		}
		if (concurrency <= 0) {
			throw new IllegalArgumentException("concurrency must be strictly positive, was " + concurrency);
		}
		Objects.requireNonNull(fn, "fn must not be null");
		BlockingPool target = pool(pool);
		return items.buffer(batchSize)
			.flatMapSequential((batch) -> this.offloader.<List<R>>mono(target.name(), "BlockingBridge.spawnBatched",
					null, () -> Mono.justOrEmpty(fn.apply(batch))), concurrency, 1)
			.flatMapIterable(Function.identity());
	}

	// ---- block_on --------------------------------------------------------------------

	/**
	 * Waits for a Mono from a synchronous edge (main, a runner, a legacy callback). The
	 * caller's thread-local context is captured into the Mono's Reactor context.
	 * @param <T> result type
	 * @param mono the work to wait for
	 * @return its value, or {@code null} if it completed empty
	 * @throws BlockingCallOnEventLoopException on an event-loop thread, without blocking
	 */
	public <T> @Nullable T blockOn(Mono<T> mono) {
		checkNotOnEventLoop();
		return mono.contextCapture().block();
	}

	/**
	 * Waits at most {@code timeout} for a Mono from a synchronous edge.
	 * @param <T> result type
	 * @param mono the work to wait for
	 * @param timeout longest wait
	 * @return its value, or {@code null} if it completed empty
	 * @throws BlockingCallOnEventLoopException on an event-loop thread, without blocking
	 * @throws BlockingTimeoutException if the Mono did not complete in time (it is
	 * cancelled)
	 */
	public <T> @Nullable T blockOn(Mono<T> mono, Duration timeout) {
		checkNotOnEventLoop();
		Objects.requireNonNull(timeout, "timeout must not be null");
		return mono.contextCapture()
			.timeout(timeout, Mono.error(() -> BlockingTimeoutException.forBlockOn(timeout)),
					Schedulers.parallel())
			.block();
	}

	private static void checkNotOnEventLoop() {
		if (EventLoops.isEventLoopThread()) {
			throw BlockingCallOnEventLoopException.forBlockOn(Thread.currentThread());
		}
	}

	// ---- pools ---------------------------------------------------------------------------

	/**
	 * A Reactor scheduler on the named pool, for hand-written {@code subscribeOn}. Its
	 * threads are blocking-allowed. Disposing it does nothing: the bridge owns the pool.
	 * @param pool the pool name
	 * @return the scheduler
	 * @throws UnknownBlockingPoolException if no pool has that name
	 */
	public Scheduler scheduler(String pool) {
		return pool(pool).scheduler();
	}

	/**
	 * The named pool.
	 * @param name the pool name
	 * @return the pool
	 * @throws UnknownBlockingPoolException if no pool has that name
	 */
	public BlockingPool pool(String name) {
		BlockingPool pool = this.pools.get(name);
		if (pool == null) {
			throw new UnknownBlockingPoolException(name, this.pools.keySet());
		}
		return pool;
	}

	/**
	 * Whether a pool has that name.
	 * @param name the pool name
	 * @return {@code true} if it exists
	 */
	public boolean hasPool(String name) {
		return this.pools.containsKey(name);
	}

	/**
	 * Every pool, in configuration order.
	 * @return the pools
	 */
	public Collection<BlockingPool> pools() {
		return this.pools.values();
	}

	/**
	 * How long closing waits for each pool's running tasks to finish.
	 * @return the wait
	 */
	public Duration getAwaitTermination() {
		return this.awaitTermination;
	}

	// ---- lifecycle -------------------------------------------------------------------

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		close();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Not pausable: stopping closes the pools for good, while Spring's test support pauses a
	 * cached context between test classes (stopping its lifecycle beans) and restarts it for
	 * the next class that uses it.
	 */
	@Override
	public boolean isPauseable() {
		return false;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Stops taking work, drains every pool for the configured period (in parallel), then
	 * interrupts what is left and logs how many tasks were abandoned. Idempotent.
	 */
	public void close() {
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			this.running = false;
		}
		List<Thread> drains = new ArrayList<>();
		for (BlockingPool pool : this.pools.values()) {
			Thread drain = new Thread(() -> pool.shutdown(this.awaitTermination), "bridge-shutdown-" + pool.name());
			drain.start();
			drains.add(drain);
		}
		for (Thread drain : drains) {
			try {
				drain.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		long abandoned = this.pools.values().stream().mapToLong(BlockingPool::abandonedCount).sum();
		if (logger.isInfoEnabled()) {
			logger.info("Blocking bridge closed: " + this.pools.size() + " pool(s) drained, " + abandoned
					+ " task(s) abandoned");
		}
	}

	/**
	 * Whether {@link #close()} has run: the pools accept no new work.
	 * @return whether the bridge is closed
	 */
	public boolean isClosed() {
		return this.closed;
	}

	/**
	 * Builds a {@link BlockingBridge}.
	 */
	public static final class Builder {

		private final Map<String, PoolSettings> pools = new LinkedHashMap<>();

		private Duration awaitTermination = Duration.ofSeconds(30);

		private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

		private ContextCarrier contextCarrier = ContextCarrier.global();

		private Builder() {
			this.pools.put(DEFAULT_POOL, PoolSettings.defaults(DEFAULT_POOL));
		}

		/**
		 * Adds or replaces a pool.
		 * @param settings the pool's settings
		 * @return this builder
		 */
		public Builder pool(PoolSettings settings) {
			this.pools.put(settings.name(), settings);
			return this;
		}

		/**
		 * Sets how long closing waits for each pool's running tasks ({@code bridge.shutdown.await-termination}).
		 * @param awaitTermination the wait, positive or zero
		 * @return this builder
		 */
		public Builder awaitTermination(Duration awaitTermination) {
			if (awaitTermination == null || awaitTermination.isNegative()) {
				throw new IllegalArgumentException(
						"bridge.shutdown.await-termination must be positive or zero, was " + awaitTermination);
			}
			this.awaitTermination = awaitTermination;
			return this;
		}

		/**
		 * Sets the registry that observes blocking calls; no-op unless set.
		 * @param observationRegistry the registry
		 * @return this builder
		 */
		public Builder observationRegistry(ObservationRegistry observationRegistry) {
			this.observationRegistry = Objects.requireNonNull(observationRegistry);
			return this;
		}

		/**
		 * Sets what carries the caller's context (MDC, trace) onto pool threads.
		 * @param contextCarrier the carrier
		 * @return this builder
		 */
		public Builder contextCarrier(ContextCarrier contextCarrier) {
			this.contextCarrier = Objects.requireNonNull(contextCarrier);
			return this;
		}

		/**
		 * Creates the bridge and its pools.
		 * @return the bridge
		 */
		public BlockingBridge build() {
			return new BlockingBridge(this);
		}

	}

}
