package dev.bridge;

import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolTaskDecorator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

/**
 * State of one offloaded call for one subscription: the context to restore on the pool
 * thread, the observation to make current there, whether the pool abandoned the call at
 * shutdown, and a failure channel for what Reactor cannot report itself (a stream's request
 * hop refused or abandoned after the call started).
 */
final class OffloadCall implements PoolTaskDecorator {

	/**
	 * Marks a stopped {@code bridge.blocking} observation: one that is still current on the
	 * pool thread while the result travels downstream must not parent the next call.
	 */
	static final String STOPPED = OffloadCall.class.getName() + ".stopped";

	private final BlockingPool pool;

	private final String call;

	private final ContextSnapshot assembly;

	private final ContextSnapshot subscription;

	private final Observation observation;

	private final AtomicBoolean observationStopped = new AtomicBoolean();

	/** Only streams need it: a Mono's request is made on the pool thread itself. */
	private final Sinks.@Nullable Empty<Void> failure;

	private volatile boolean started;

	private volatile boolean abandoned;

	private volatile boolean cancelled;

	OffloadCall(BlockingPool pool, String call, ContextSnapshot assembly, ContextSnapshot subscription,
			Observation observation, boolean stream) {
		this.failure = stream ? Sinks.empty() : null;
		this.pool = pool;
		this.call = call;
		this.assembly = assembly;
		this.subscription = subscription;
		this.observation = observation;
	}

	@Override
	public Runnable apply(Runnable task) {
		return () -> {
			try (ContextSnapshot.Scope a = this.assembly.setThreadLocals();
					ContextSnapshot.Scope s = this.subscription.setThreadLocals();
					Observation.Scope o = this.observation.openScope()) {
				task.run();
			}
		};
	}

	/**
	 * The subscriber's Reactor context with the call's captured values added where it has
	 * none, and the call's observation as the current one. With Reactor's automatic context
	 * propagation on, Reactor itself sets thread locals from the Reactor context on the pool
	 * thread (clearing those it does not hold), so the values must be there too.
	 * @param context the subscriber's context
	 * @return the context for the offloaded chain
	 */
	Context enrich(Context context) {
		Context captured = this.subscription.updateContext(this.assembly.updateContext(Context.empty()));
		return captured.putAll(context.readOnly()).put(ObservationThreadLocalAccessor.KEY, this.observation);
	}

	@Override
	public Runnable abandonAction(Runnable task) {
		return () -> {
			if (!this.started) {
				// Replaying the subscription task delivers the shutdown error to the caller.
				this.abandoned = true;
				task.run();
			}
			else if (this.failure != null) {
				// A later request hop: running it would run user code on the closing thread.
				this.failure.tryEmitError(BlockingPoolSaturatedException.shutDown(this.pool.name()));
			}
		};
	}

	@Override
	public boolean absorbRejection(RejectedExecutionException ex) {
		if (!this.started || this.failure == null) {
			return false;
		}
		this.failure.tryEmitError(ex);
		return true;
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
	 * Runs the user's invocation, or reports the shutdown if the call was abandoned. A call
	 * whose subscriber already left ends empty: nobody listens, and an error (typically the
	 * body's InterruptedException) would only be logged by Reactor as dropped.
	 */
	<P> P invoke(Callable<? extends P> invocation, Function<Throwable, ? extends P> error,
			Supplier<? extends P> empty) {
		this.started = true;
		if (this.abandoned) {
			return error.apply(BlockingPoolSaturatedException.shutDown(this.pool.name()));
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
		if (this.observationStopped.compareAndSet(false, true)) {
			if (error != null) {
				this.observation.error(error);
			}
			this.observation.getContext().put(STOPPED, Boolean.TRUE);
			this.observation.stop();
		}
	}

}
