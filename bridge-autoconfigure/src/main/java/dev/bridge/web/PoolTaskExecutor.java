package dev.bridge.web;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;

import io.micrometer.context.ContextSnapshot;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.task.AsyncTaskExecutor;

import dev.bridge.context.ContextCarrier;
import dev.bridge.offload.WebFluxDispatch;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolAccess;
import reactor.core.Disposable;
import reactor.core.publisher.Hooks;
import reactor.util.context.Context;

/**
 * A bridge pool as a Spring {@link AsyncTaskExecutor}, for WebFlux's blocking-execution
 * hook. Each task runs with the context of the thread that submitted it. Not registered as a
 * bean: an {@code Executor} bean would make Boot back off its own task executor.
 * <p>
 * WebFlux hands a request to the executor twice (once to subscribe, once to invoke the
 * handler); the second hand-off happens on the pool already and runs on the same thread, so a
 * request takes one pool slot, not two. It runs once the first task has returned, not nested
 * inside it: the handler then runs on a short stack (what a virtual thread copies to the heap
 * each time it parks in the handler's blocking call) instead of on top of WebFlux's whole
 * argument-resolution chain. A queued task whose request was cancelled is purged when the
 * queue is full. A refused task runs in place, where the {@code @Blocking} handler it reaches
 * fails with the refusal (503) before its body runs; without the aspect, the refusal is
 * thrown to WebFlux. The second hand-off of a refused request runs in place too: submitting
 * it would be refused (and counted) a second time. A task whose context cannot be set on the
 * pool thread (a failing {@code ThreadLocalAccessor}) runs the same way, the handler failing
 * with why (500); without the aspect, it runs without the caller's context, and the failure is
 * logged.
 */
final class PoolTaskExecutor implements AsyncTaskExecutor {

	private static final Log logger = LogFactory.getLog(PoolTaskExecutor.class);

	/** Set while a refused request runs in place on the submitting thread. */
	private static final ThreadLocal<Boolean> REFUSED_IN_PLACE = new ThreadLocal<>();

	private final BlockingPool pool;

	private final ContextCarrier contextCarrier;

	private final boolean aspectPresent;

	PoolTaskExecutor(BlockingPool pool, ContextCarrier contextCarrier, boolean aspectPresent) {
		this.pool = pool;
		this.contextCarrier = contextCarrier;
		this.aspectPresent = aspectPresent;
	}

	@Override
	public void execute(Runnable task) {
		if (PoolAccess.current() == this.pool) {
			HandOff running = HandOff.RUNNING.get();
			if (running != null) {
				running.runAfter(task);
			}
			else {
				task.run();
			}
			return;
		}
		if (REFUSED_IN_PLACE.get() != null) {
			task.run();
			return;
		}
		HandOff handOff = new HandOff(task);
		try {
			PoolAccess.execute(this.pool, carryContext(handOff),
					(task instanceof Disposable owner) ? owner : null);
		}
		catch (RejectedExecutionException ex) {
			if (!this.aspectPresent) {
				throw ex;
			}
			REFUSED_IN_PLACE.set(Boolean.TRUE);
			try {
				WebFluxDispatch.refused(task, ex).run();
			}
			finally {
				REFUSED_IN_PLACE.remove();
			}
		}
	}

	/**
	 * Runs the task with the submitting thread's context. Not needed when Reactor's automatic
	 * context propagation is on and the pool runs each task on a new virtual thread: WebFlux
	 * hands its tasks over through a Reactor scheduler, whose schedule hook has then wrapped
	 * the task in the same thread locals already, and a new thread has nothing left by an
	 * earlier task to clear. A pooled platform thread still needs its thread locals set and
	 * cleared.
	 */
	private Runnable carryContext(HandOff handOff) {
		if (this.pool.settings().virtualThreads() && Hooks.isAutomaticContextPropagationEnabled()) {
			return handOff;
		}
		Context values = this.contextCarrier.captureValues();
		return () -> {
			ContextSnapshot.Scope scope;
			try {
				scope = this.contextCarrier.setThreadLocals(values);
			}
			catch (RuntimeException | Error ex) {
				// The request is answered with why (its @Blocking handler throws it before its
				// body runs), instead of never: the failed accessor's thread locals are put back.
				IllegalStateException failure = new IllegalStateException("The request's context could not be set on pool '"
						+ this.pool.name() + "': a ThreadLocalAccessor registered with Micrometer's ContextRegistry "
						+ "failed; fix or remove that accessor", ex);
				if (!this.aspectPresent) {
					logger.error(failure.getMessage() + "; the handler runs without the caller's context", ex);
				}
				handOff.failure = failure;
				handOff.run();
				return;
			}
			try (scope) {
				handOff.run();
			}
		};
	}

	/**
	 * A task WebFlux handed to the pool, with the tasks it hands over in turn while it runs
	 * (the handler's invocation): those run on the same thread once it has returned, in the
	 * order they came, inside the same context and dispatch mark. It sets the mark itself
	 * ({@link WebFluxDispatch#enter}), one frame fewer under the handler than a wrapper.
	 */
	private static final class HandOff implements Runnable {

		/** The hand-off running on this pool thread. */
		static final ThreadLocal<HandOff> RUNNING = new ThreadLocal<>();

		private final Runnable task;

		/**
		 * Why the task cannot run as submitted, set by the pool thread before it runs it:
		 * the handler it reaches throws it.
		 */
		@Nullable RuntimeException failure;

		/** Only the running thread touches it. */
		private @Nullable ArrayDeque<Runnable> after;

		HandOff(Runnable task) {
			this.task = task;
		}

		void runAfter(Runnable next) {
			ArrayDeque<Runnable> queue = this.after;
			if (queue == null) {
				queue = new ArrayDeque<>(2);
				this.after = queue;
			}
			queue.add(next);
		}

		/**
		 * Runs the task, then what it handed over. Only the task itself defers hand-offs: the
		 * follow-ups (the handler) run with this hand-off no longer registered, so that what
		 * they hand to the executor and wait for runs in place, as before, instead of being
		 * queued behind the handler that waits for it.
		 */
		@Override
		public void run() {
			Object previousMark = WebFluxDispatch.enter(this.failure);
			Throwable thrown = null;
			try {
				// Never nested: a hand-off is made off this pool's threads, and runs on one.
				RUNNING.set(this);
				try {
					this.task.run();
				}
				catch (RuntimeException | Error ex) {
					thrown = ex;
				}
				finally {
					RUNNING.remove();
				}
				// A task that threw still leaves its follow-ups to run: each was accepted.
				ArrayDeque<Runnable> queue = this.after;
				Runnable next;
				while (queue != null && (next = queue.poll()) != null) {
					try {
						next.run();
					}
					catch (RuntimeException | Error ex) {
						if (thrown == null) {
							thrown = ex;
						}
					}
				}
			}
			finally {
				WebFluxDispatch.exit(previousMark);
			}
			if (thrown instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (thrown instanceof Error error) {
				throw error;
			}
		}

	}

	@Override
	public String toString() {
		return "PoolTaskExecutor[" + this.pool.name() + "]";
	}

}
