package dev.bridge.offload;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bridge.context.ContextCarrier;
import dev.bridge.observation.BlockingCallContext;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolAccess;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * State of one offloaded call for one subscription: the context to restore on the pool
 * thread, the observation to make current there, whether the pool abandoned the call at
 * shutdown, when the pool accepted it (its timeout starts then, so that a refusal is never
 * mistaken for a timeout), and a failure channel for what Reactor cannot report itself (a
 * stream abandoned at shutdown after it started).
 */
final class OffloadCall {

	private static final Log logger = LogFactory.getLog(OffloadCall.class);

	/** The first failing observation handler is logged with a WARN, later ones at DEBUG. */
	private static final AtomicBoolean OBSERVATION_FAILURE_LOGGED = new AtomicBoolean();

	private static final AtomicIntegerFieldUpdater<OffloadCall> OBSERVATION_STOPPED = AtomicIntegerFieldUpdater
		.newUpdater(OffloadCall.class, "observationStopped");

	private final BlockingPool pool;

	private final String call;

	private final ContextCarrier carrier;

	/** Everything the call carries: the caller's values, the subscriber's, the call's observation. */
	private final Context context;

	private final ObservationRegistry observationRegistry;

	private final Observation observation;

	/** Whether the observation records anything: a switched-off one is never stopped. */
	private final boolean observed;

	/** 1 once the observation is stopped. */
	private volatile int observationStopped;

	/** Only streams need it: a Mono's request is made on the pool thread itself. */
	private final Sinks.@Nullable Empty<Void> failure;

	/** Completed when the pool accepts the call; only timed calls need it. */
	private final Sinks.@Nullable Empty<Void> accepted;

	private final @Nullable Duration timeout;

	/** When the call was subscribed, read only for a timed call (its timeout counts from then). */
	private final long subscribedAt;

	private final boolean stream;

	private final OffloadFailures failures;

	private volatile boolean started;

	/** Why the pool abandoned the call before it started, if it did. */
	private volatile @Nullable RuntimeException abandoned;

	private volatile boolean cancelled;

	private volatile boolean subscriberLeft;

	OffloadCall(BlockingPool pool, String call, ContextCarrier carrier, Context context, Observation observation,
			ObservationRegistry observationRegistry, boolean stream, @Nullable Duration timeout,
			OffloadFailures failures) {
		this.observationRegistry = observationRegistry;
		this.failure = stream ? Sinks.empty() : null;
		this.accepted = (timeout != null) ? Sinks.empty() : null;
		this.timeout = timeout;
		this.subscribedAt = (timeout != null) ? System.nanoTime() : 0L;
		this.stream = stream;
		this.pool = pool;
		this.call = call;
		this.carrier = carrier;
		this.observation = observation;
		this.observed = !observation.isNoop();
		// A call whose observation is switched off (no registry, or a predicate that says no)
		// leaves the caller's observation current in its body: a no-op one would hide it from
		// every observation made there, and they would start traces of their own.
		this.context = !this.observed ? context : context.put(ObservationThreadLocalAccessor.KEY, observation);
		this.failures = failures;
	}

	/**
	 * Makes the call's observation current, unless setting the context's thread locals did
	 * already (the registry's observation accessor sets it from the context) or it is
	 * switched off.
	 */
	private Observation.@Nullable Scope observationScope() {
		return (!this.observed || this.observationRegistry.getCurrentObservation() == this.observation)
				? null : this.observation.openScope();
	}

	/**
	 * The Reactor context of the offloaded chain: the call's captured values under the
	 * subscriber's context, and the call's observation as the current one. With Reactor's
	 * automatic context propagation on, Reactor itself sets thread locals from the Reactor
	 * context on the pool thread (clearing those it does not hold), so the values must be
	 * there too; the pool task sets its thread locals from the same context.
	 * @return the context
	 */
	Context context() {
		return this.context;
	}

	/**
	 * Hands one task of the call to the pool, as a scheduler on the pool would: Reactor's
	 * schedule hook, the call's context around the task, and the call told if the pool
	 * abandons it.
	 * @param task the task
	 * @return the pool's handle on the task
	 * @throws java.util.concurrent.RejectedExecutionException if the pool refuses it
	 */
	Disposable schedule(Runnable task) {
		CallTask scheduled = new CallTask(task, null);
		// Reactor's schedule hook outside the call's context: a hook that sets thread locals
		// itself (automatic propagation's, or an application's MDC copy) must not override it.
		return PoolAccess.schedule(this.pool, Schedulers.onSchedule(scheduled), scheduled);
	}

	/**
	 * Hands a later task of the call (a request hop) to the pool, as {@link #schedule(Runnable)},
	 * with its own action if the pool abandons it.
	 * @param task the task
	 * @param abandoned run, given the error, if the pool abandons the task
	 * @return the pool's handle on the task
	 * @throws java.util.concurrent.RejectedExecutionException if the pool refuses it
	 */
	Disposable schedule(Runnable task, Consumer<RuntimeException> abandoned) {
		CallTask scheduled = new CallTask(task, abandoned);
		return PoolAccess.schedule(this.pool, Schedulers.onSchedule(scheduled), scheduled);
	}

	/**
	 * The scheduler a stream subscribes on: one lane of the pool for this call.
	 * @return the scheduler
	 */
	Scheduler lane() {
		return new OffloadLane(this).asScheduler();
	}

	/**
	 * Called by the lane once the pool accepted the call.
	 */
	void accepted() {
		if (this.accepted != null) {
			this.accepted.tryEmitEmpty();
		}
	}

	/**
	 * Fires when the call's timeout has passed, counted from its subscription but started
	 * only once the pool accepted the call: a refused call fails with the refusal, never
	 * with a timeout that raced it.
	 * @return the timer
	 */
	Mono<Long> timer() {
		Duration timeout = this.timeout;
		Sinks.Empty<Void> accepted = this.accepted;
		if (timeout == null || accepted == null) {
			return Mono.never();
		}
		return accepted.asMono().then(Mono.defer(() -> Mono.delay(remaining(timeout), Schedulers.parallel())));
	}

	/**
	 * Fires when the call's timeout has passed, counted again after each item: a stream's
	 * timeout bounds the whole stream. A single value ends the call, so nothing fires after
	 * it (as with {@code Mono.timeout}).
	 * @return the timer
	 */
	Mono<Long> timerAfterItem() {
		Duration timeout = this.timeout;
		if (!this.stream || timeout == null) {
			return Mono.never();
		}
		return Mono.delay(remaining(timeout), Schedulers.parallel());
	}

	/**
	 * What is left of the call's timeout.
	 * @param timeout the timeout
	 * @return the time left, zero if none
	 */
	Duration remaining(Duration timeout) {
		long left = timeout.toNanos() - (System.nanoTime() - this.subscribedAt);
		return Duration.ofNanos(Math.max(0, left));
	}

	/**
	 * A stream's lane was interrupted by the pool's shutdown while it waited for demand.
	 */
	void abandonStream() {
		if (this.failure != null) {
			this.failure.tryEmitError(this.failures.shutDown(this.pool.name()));
		}
	}

	boolean isAbandoned() {
		return this.abandoned != null;
	}

	boolean isCancelled() {
		return this.cancelled;
	}

	/**
	 * Wraps an error that Reactor would throw instead of signal, and logs it once with its
	 * stack; anything else passes unchanged.
	 * @param ex the call's failure
	 * @return what the caller receives
	 */
	Throwable deliverable(Throwable ex) {
		if (ex instanceof Error error && isJvmFatal(error)) {
			RuntimeException wrapped = this.failures.fatal(this.pool.name(), this.call, error);
			logger.error(wrapped.getMessage(), error);
			return wrapped;
		}
		return ex;
	}

	/**
	 * Errors when a later task of the call was refused or abandoned; completes with the call.
	 * @param <T> the element type of the call
	 * @return the failure signal
	 */
	<T> Mono<T> failures() {
		return (this.failure != null) ? this.failure.asMono().then(Mono.empty()) : Mono.never();
	}

	/**
	 * Runs the user's invocation, or reports why the call was abandoned (the shutdown, or
	 * the pool's refusal after it accepted the call). A call
	 * whose subscriber already left ends empty: nobody listens, and an error (typically the
	 * body's InterruptedException) would only be logged by Reactor as dropped.
	 */
	<P> P invoke(Callable<? extends P> invocation, Function<Throwable, ? extends P> error,
			Supplier<? extends P> empty) {
		this.started = true;
		RuntimeException abandoned = this.abandoned;
		if (abandoned != null) {
			return error.apply(abandoned);
		}
		if (this.cancelled) {
			return empty.get();
		}
		try {
			P result = invocation.call();
			if (result == null) {
				return error.apply(new NullPointerException(
						"@Blocking method " + this.call + " returned null instead of a Mono, Flux or future"));
			}
			return result;
		}
		catch (Throwable ex) {
			return this.cancelled ? empty.get() : error.apply(ex);
		}
	}

	void cancel() {
		this.cancelled = true;
	}

	/**
	 * The subscriber cancelled (rather than the call's own timeout): an error racing that
	 * cancel has nobody to reach, and the observation stops (marked first, so that an error
	 * racing the cancel is not signalled).
	 */
	void subscriberLeft() {
		this.subscriberLeft = true;
		this.cancelled = true;
		stopObservation();
	}

	boolean hasSubscriberLeft() {
		return this.subscriberLeft;
	}

	/**
	 * Stops the observation on the value of a call that has one ({@code Mono}), before the
	 * value travels on, as Micrometer's own Reactor instrumentation does, rather than after
	 * the call ends ({@code doFinally}): the timer and span then cover the call, not what
	 * downstream operators do with its result on the pool thread, and they are recorded by
	 * the time the caller has the result. A stream's observation stops on its terminal signal.
	 */
	void stopObservationOnItem() {
		if (!this.stream) {
			stopObservation();
		}
	}

	/**
	 * Stops the observation. The first terminal signal wins: a subscriber may cancel after
	 * a Mono's value, and a second stop would record the call twice.
	 */
	void stopObservation() {
		stopObservation(null);
	}

	/**
	 * Records the error, if any, and stops the observation, unless it is already stopped.
	 * @param error the call's error
	 */
	void stopObservation(@Nullable Throwable error) {
		// A switched-off observation records nothing: no stop to make once, on every call.
		if (this.observed && OBSERVATION_STOPPED.compareAndSet(this, 0, 1)) {
			try {
				if (error != null) {
					this.observation.error(error);
				}
				if (this.observation.getContext() instanceof BlockingCallContext context) {
					// Still current on the pool thread while the result travels downstream, a
					// stopped observation must not parent the next call made there.
					context.markFinished();
				}
				this.observation.stop();
			}
			catch (RuntimeException ex) {
				// A failing observation handler must not take the call's result with it: the
				// signal it was stopped on still reaches the caller.
				logObservationFailure(ex);
			}
		}
	}

	private void logObservationFailure(RuntimeException ex) {
		String message = "An observation handler failed while stopping the 'bridge.blocking' observation of " + this.call
				+ " on pool '" + this.pool.name() + "'; the call's result is delivered anyway. Fix the handler (an "
				+ "ObservationHandler registered with the ObservationRegistry) so that onStop and onError do not throw";
		if (OBSERVATION_FAILURE_LOGGED.compareAndSet(false, true)) {
			logger.warn(message, ex);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug(message, ex);
		}
	}

	/**
	 * Whether Reactor treats the error as fatal to the JVM and would throw it instead of
	 * signalling it (see {@code reactor.core.Exceptions#throwIfJvmFatal}).
	 * @param ex the error
	 * @return whether it needs wrapping to reach the caller
	 */
	static boolean isJvmFatal(Throwable ex) {
		return ex instanceof VirtualMachineError || ex instanceof LinkageError
				|| "java.lang.ThreadDeath".equals(ex.getClass().getName());
	}

	/**
	 * One task of the call as the pool runs it (with the caller's context and the call's
	 * observation around it) and, as its abandon action, what the pool runs instead on the
	 * thread closing it or refusing a task it had accepted, so that the caller is told why.
	 * One object for both: it is made for every call.
	 */
	private final class CallTask implements Runnable, Consumer<RuntimeException> {

		private final Runnable task;

		private final @Nullable Consumer<RuntimeException> abandoned;

		CallTask(Runnable task, @Nullable Consumer<RuntimeException> abandoned) {
			this.task = task;
			this.abandoned = abandoned;
		}

		@Override
		public void run() {
			ContextSnapshot.Scope context;
			try {
				context = OffloadCall.this.carrier.setThreadLocals(OffloadCall.this.context);
			}
			catch (RuntimeException | Error ex) {
				// The call fails with why, instead of never answering.
				accept(new IllegalStateException("The caller's context could not be set on pool '"
						+ OffloadCall.this.pool.name() + "' for " + OffloadCall.this.call + ": a ThreadLocalAccessor "
						+ "registered with Micrometer's ContextRegistry failed; fix or remove that accessor", ex));
				return;
			}
			try (context; Observation.Scope o = observationScope()) {
				this.task.run();
			}
		}

		@Override
		public void accept(RuntimeException error) {
			if (this.abandoned != null) {
				this.abandoned.accept(error);
			}
			else if (!OffloadCall.this.started) {
				// Replaying the subscription task delivers the error (the shutdown, or the
				// pool's refusal) to the caller.
				OffloadCall.this.abandoned = error;
				this.task.run();
			}
			else if (OffloadCall.this.failure != null) {
				// A later request hop: running it would run user code on the closing thread.
				OffloadCall.this.failure.tryEmitError(error);
			}
		}

	}

}
