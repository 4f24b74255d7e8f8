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
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

import org.springframework.context.SmartLifecycle;

import dev.bridge.context.ContextCarrier;
import dev.bridge.eventloop.EventLoops;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolSettings;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.ContextView;

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
	public static final String OBSERVATION_NAME = "bridge.blocking";

	/**
	 * Lifecycle phase: stopped after the web server (which stops at
	 * {@code DEFAULT_PHASE - 2048}) so that in-flight requests finish their blocking work
	 * during a graceful shutdown.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(BlockingBridge.class);

	private static final String SPAWN = "BlockingBridge.spawn";

	private final Map<String, BlockingPool> pools;

	private final Duration awaitTermination;

	private final ObservationRegistry observationRegistry;

	private final ContextCarrier contextCarrier;

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
		this.observationRegistry = builder.observationRegistry;
		this.contextCarrier = builder.contextCarrier;
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
		return mono(pool, SPAWN, null, () -> Mono.justOrEmpty(task.call()));
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
			.flatMapSequential((batch) -> this.<List<R>>mono(target.name(), "BlockingBridge.spawnBatched", null,
					() -> Mono.justOrEmpty(fn.apply(batch))), concurrency, 1)
			.flatMapIterable(Function.identity());
	}

	/**
	 * What {@code @Blocking} does for a method returning {@code Mono}: the invocation is
	 * deferred to subscription and runs on the pool, with the caller's context, as an
	 * observation, under a timeout.
	 * @param <T> element type
	 * @param pool the pool name
	 * @param call name of the call, for the {@code method} tag and error messages
	 * @param timeout per-call timeout, {@code null} for the pool's
	 * @param invocation produces the Mono on the pool thread
	 * @return the offloaded Mono
	 */
	public <T> Mono<T> mono(String pool, String call, @Nullable Duration timeout,
			Callable<? extends Mono<T>> invocation) {
		return offload(pool, call, timeout, false, (offload, timed) -> {
			Mono<T> mono = Mono.defer(() -> offload.<Mono<T>>invoke(invocation, Mono::error, Mono::empty))
				.onErrorMap(offload::deliverable)
				.subscribeOn(offload.lane())
				.contextWrite(offload::enrich)
				.doOnCancel(offload::cancel);
			if (timed != null) {
				// Nothing for a subscriber that left meanwhile: Reactor would log the error as dropped.
				mono = mono.timeout(offload.timer(), Mono.defer(() -> offload.hasSubscriberLeft() ? Mono.empty()
						: Mono.error(new BlockingTimeoutException(pool, call, timed))));
			}
			// A subscriber that cancelled gets no error that raced its cancel (a timeout, a
			// refusal): it would only be logged as dropped. Marked first thing on cancel.
			return stopObservationOnTerminal(mono.onErrorMap(BlockingBridge::unwrapRejection), offload)
				.onErrorResume((ex) -> offload.hasSubscriberLeft() ? Mono.empty() : Mono.error(ex))
				.doOnCancel(offload::subscriberLeft);
		}, Mono::deferContextual);
	}

	/**
	 * What {@code @Blocking} does for a method returning {@code Flux}: the invocation and
	 * each request hop run on the pool, with the caller's context, as an observation; the
	 * timeout bounds the whole stream. The stream keeps one pool thread from its subscription
	 * until it ends, so that later demand is never refused once items have been sent.
	 * @param <T> element type
	 * @param pool the pool name
	 * @param call name of the call, for the {@code method} tag and error messages
	 * @param timeout per-call timeout, {@code null} for the pool's
	 * @param invocation produces the Flux on the pool thread
	 * @return the offloaded Flux
	 */
	public <T> Flux<T> flux(String pool, String call, @Nullable Duration timeout,
			Callable<? extends Publisher<T>> invocation) {
		return offload(pool, call, timeout, true, (offload, timed) -> {
			// A stream abandoned at shutdown while it waits for demand is failed through the
			// call's own channel: no Reactor signal is pending then.
			Flux<T> flux = Flux.defer(() -> offload.<Publisher<T>>invoke(invocation, Flux::error, Flux::empty))
				.onErrorMap(offload::deliverable)
				.subscribeOn(offload.lane())
				.contextWrite(offload::enrich)
				.doOnCancel(offload::cancel)
				.takeUntilOther(offload.failures());
			if (timed != null) {
				flux = flux.timeout(offload.timer(),
						(item) -> Mono.delay(offload.remaining(timed), Schedulers.parallel()),
						Flux.defer(() -> offload.hasSubscriberLeft() ? Flux.empty()
								: Flux.error(new BlockingTimeoutException(pool, call, timed))));
			}
			// Stopped on the terminal signal before it travels on: see stopObservationOnTerminal.
			return flux.onErrorMap(BlockingBridge::unwrapRejection)
				.doOnComplete(offload::stopObservation)
				.doOnError(offload::stopObservation)
				.doOnCancel(offload::stopObservation)
				.onErrorResume((ex) -> offload.hasSubscriberLeft() ? Flux.empty() : Flux.error(ex))
				.doOnCancel(offload::subscriberLeft);
		}, Flux::deferContextual);
	}

	/**
	 * The opening shared by {@link #mono} and {@link #flux}: resolves the pool and timeout,
	 * captures the caller's context at assembly, and at each subscription starts a call.
	 */
	private <P> P offload(String pool, String call, @Nullable Duration timeout, boolean stream,
			java.util.function.BiFunction<OffloadCall, @Nullable Duration, P> body,
			Function<Function<ContextView, P>, P> deferContextual) {
		BlockingPool target = pool(pool);
		Duration effectiveTimeout = effectiveTimeout(target, timeout);
		ContextSnapshot assembly = this.contextCarrier.captureThread();
		Observation caller = this.observationRegistry.getCurrentObservation();
		return deferContextual.apply((context) -> body
			.apply(newCall(target, call, assembly, caller, context, stream, effectiveTimeout), effectiveTimeout));
	}

	/**
	 * The parent observation is, in order: the subscriber's (Reactor context), the one
	 * current where the call was made, the one current where it is subscribed.
	 */
	private OffloadCall newCall(BlockingPool pool, String call, ContextSnapshot assembly, @Nullable Observation caller,
			ContextView context, boolean stream, @Nullable Duration timeout) {
		Observation parent = live(context.getOrDefault(ObservationThreadLocalAccessor.KEY, null));
		if (parent == null) {
			parent = live(caller);
		}
		if (parent == null) {
			parent = live(this.observationRegistry.getCurrentObservation());
		}
		Observation observation = startObservation(pool.name(), call, parent);
		return new OffloadCall(pool, call, assembly, this.contextCarrier.capture(context), observation, stream,
				timeout);
	}

	/**
	 * Skips finished {@value #OBSERVATION_NAME} observations: a call's observation is still
	 * current on the pool thread while its result travels downstream, and must not become the
	 * parent of the next call made there (the next batch, a {@code flatMap}'s next spawn).
	 */
	private static @Nullable Observation live(@Nullable Observation candidate) {
		Observation current = candidate;
		while (current != null && Boolean.TRUE.equals(current.getContext().get(OffloadCall.STOPPED))) {
			current = (current.getContext().getParentObservation() instanceof Observation parent) ? parent : null;
		}
		return current;
	}

	private Observation startObservation(String pool, String call, @Nullable Observation parent) {
		return Observation.createNotStarted(OBSERVATION_NAME, this.observationRegistry)
			.lowCardinalityKeyValue("pool", pool)
			.lowCardinalityKeyValue("method", call)
			.contextualName("blocking " + call)
			.parentObservation(parent)
			.start();
	}

	/**
	 * Runs a call that something else already moved onto a pool (WebFlux's blocking
	 * execution of a {@code @Blocking} handler) as a {@value #OBSERVATION_NAME} observation,
	 * child of the current one.
	 * @param <T> result type
	 * @param pool the pool the call runs on
	 * @param call name of the call, for the {@code method} tag
	 * @param body the call
	 * @return its result
	 * @throws Exception whatever the call throws, unchanged, except an error that Reactor
	 * treats as fatal, which is logged and wrapped in a {@link BlockingFatalErrorException}
	 * (thrown as is, WebFlux would never answer the request)
	 */
	public <T> T observe(String pool, String call, Callable<T> body) throws Exception {
		Observation observation = startObservation(pool, call, live(this.observationRegistry.getCurrentObservation()));
		try (Observation.Scope scope = observation.openScope()) {
			return body.call();
		}
		catch (Exception | Error ex) {
			observation.error(ex);
			if (ex instanceof Error error && BlockingFatalErrorException.isJvmFatal(error)) {
				BlockingFatalErrorException wrapped = new BlockingFatalErrorException(pool, call, error);
				logger.error(wrapped.getMessage(), error);
				throw wrapped;
			}
			throw ex;
		}
		finally {
			observation.stop();
		}
	}

	/**
	 * Stops the call's observation on the terminal signal before it travels on, as
	 * Micrometer's own Reactor instrumentation does, rather than after it ({@code doFinally}):
	 * the timer and span then cover the call, not what downstream operators do with its
	 * result on the pool thread, and they are recorded by the time the caller has the result.
	 */
	private static <T> Mono<T> stopObservationOnTerminal(Mono<T> mono, OffloadCall offload) {
		return mono.doOnSuccess((value) -> offload.stopObservation())
			.doOnError(offload::stopObservation)
			.doOnCancel(offload::stopObservation);
	}

	private static @Nullable Duration effectiveTimeout(BlockingPool pool, @Nullable Duration timeout) {
		return (timeout != null) ? timeout : pool.settings().timeout();
	}

	/**
	 * Reactor wraps a scheduler's refusal in its own exception; callers should see the
	 * bridge's, which says which pool is full or closing and what to do.
	 */
	private static Throwable unwrapRejection(Throwable ex) {
		if (ex instanceof RejectedExecutionException && !(ex instanceof BlockingPoolSaturatedException)
				&& !(ex instanceof BlockingBridgeShutdownException)
				&& (ex.getCause() instanceof BlockingPoolSaturatedException
						|| ex.getCause() instanceof BlockingBridgeShutdownException)) {
			return ex.getCause();
		}
		return ex;
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
