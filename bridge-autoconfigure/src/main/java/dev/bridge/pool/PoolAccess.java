package dev.bridge.pool;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

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
	 * A scheduler on the pool whose tasks are wrapped (to restore a caller's context, for
	 * example), and which tells their caller when the pool abandons them at shutdown.
	 * @param pool the pool
	 * @param decorator wraps each task before it is queued
	 * @param abandonActions for an undecorated task, what to run, given the error, on the
	 * thread closing the pool (or refusing a task it had accepted) if the task never started,
	 * so that its caller is told why; {@code null} if the caller cannot be told
	 * @return the scheduler
	 */
	public static Scheduler scheduler(BlockingPool pool, UnaryOperator<Runnable> decorator,
			Function<Runnable, @Nullable Consumer<RuntimeException>> abandonActions) {
		return new PoolScheduler(pool, decorator, abandonActions);
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
