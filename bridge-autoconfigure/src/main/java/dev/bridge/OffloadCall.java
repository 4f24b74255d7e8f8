package dev.bridge;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.observation.Observation;

import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolTaskDecorator;

/**
 * State of one offloaded call for one subscription: the context to restore on the pool
 * thread, the observation to make current there, and whether the pool abandoned the call
 * at shutdown before it started.
 */
final class OffloadCall implements PoolTaskDecorator {

	private final BlockingPool pool;

	private final ContextSnapshot assembly;

	private final ContextSnapshot subscription;

	private final Observation observation;

	private final AtomicBoolean observationStopped = new AtomicBoolean();

	private volatile boolean started;

	private volatile boolean abandoned;

	private volatile boolean cancelled;

	OffloadCall(BlockingPool pool, ContextSnapshot assembly, ContextSnapshot subscription, Observation observation) {
		this.pool = pool;
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

	@Override
	public Runnable abandonAction(Runnable task) {
		// Only the subscription task is replayed, to deliver the shutdown error; later tasks
		// (a Flux's request hops) would run user code on the closing thread.
		return () -> {
			if (!this.started) {
				this.abandoned = true;
				task.run();
			}
		};
	}

	/**
	 * Runs the user's invocation, or reports the shutdown if the call was abandoned.
	 */
	<P> P invoke(Callable<? extends P> invocation, Function<Throwable, ? extends P> error) {
		this.started = true;
		if (this.abandoned) {
			return error.apply(BlockingPoolSaturatedException.shutDown(this.pool.name()));
		}
		try {
			P result = invocation.call();
			if (result == null) {
				return error.apply(new NullPointerException("@Blocking method returned null instead of a publisher"));
			}
			return result;
		}
		catch (Throwable ex) {
			// After a cancel or timeout nobody listens: an interrupted body would only be logged
			// by Reactor as a dropped error.
			return error.apply(this.cancelled ? new CancelledCallException(ex) : ex);
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
		if (this.observationStopped.compareAndSet(false, true)) {
			this.observation.stop();
		}
	}

	/**
	 * Records the error and stops the observation, unless it is already stopped.
	 * @param error the call's error
	 */
	void stopObservation(Throwable error) {
		if (this.observationStopped.compareAndSet(false, true)) {
			this.observation.error(error);
			this.observation.stop();
		}
	}

	/**
	 * Failure of a call whose subscriber already left; swallowed instead of reported as
	 * dropped.
	 */
	static final class CancelledCallException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		CancelledCallException(Throwable cause) {
			super(cause.toString(), cause, false, false);
		}

	}

}
