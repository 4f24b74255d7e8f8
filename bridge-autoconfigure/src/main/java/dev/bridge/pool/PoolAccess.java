package dev.bridge.pool;

import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import reactor.core.Disposable;

/**
 * How Bridge's own packages hand work to a pool: the offload pipeline, whose tasks carry
 * a call's context, and WebFlux's blocking executor, whose tasks run for a request. Kept
 * off {@link BlockingPool}, whose public methods are what applications may read of a pool.
 * Not an API.
 */
public final class PoolAccess {

	private PoolAccess() {
	}

	/**
	 * Schedules one task on the pool, as a scheduler on the pool would: for
	 * a caller that wraps its own task and has its own abandon action (one offloaded call).
	 * @param pool the pool
	 * @param task the task, wrapped as the caller wants it run
	 * @param abandonAction what to run, given the error, on the thread closing the pool (or
	 * refusing a task it had accepted) if the task never starts; {@code null} if the caller
	 * cannot be told
	 * @return the pool's handle on the task; disposing it cancels the task
	 * @throws java.util.concurrent.RejectedExecutionException if the queue is full or the
	 * pool is closed
	 */
	public static Disposable schedule(BlockingPool pool, Runnable task,
			@Nullable Consumer<RuntimeException> abandonAction) {
		return pool.execute(task, abandonAction, null);
	}

	/**
	 * Runs a task on the pool on behalf of an owner, such as a Reactor task from WebFlux's
	 * blocking-execution hook: when the queue is full, queued tasks whose owner was disposed
	 * (their caller left) are removed and counted as cancelled before the task is refused.
	 * @param pool the pool
	 * @param task the task
	 * @param owner what the task runs for; {@code null} if it has no owner to check
	 * @return the pool's handle on the task; disposing it cancels the task
	 * @throws java.util.concurrent.RejectedExecutionException if the queue is full or the
	 * pool is closed
	 */
	public static Disposable execute(BlockingPool pool, Runnable task, @Nullable Disposable owner) {
		return pool.execute(task, owner);
	}

	/**
	 * The pool whose task the calling thread is running, if any.
	 * @return the pool, or {@code null} off pool threads
	 */
	public static @Nullable BlockingPool current() {
		return BlockingPool.current();
	}

}
