package dev.bridge.pool;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.IntSupplier;

/**
 * The bounded queue of a pool, arranged so that its {@link ThreadPoolExecutor} starts a new
 * thread, up to the maximum, before anything waits: {@link #offer} refuses while no thread is
 * idle and the pool may still grow, which makes the executor add a worker. An idle thread, or
 * a pool at its maximum, gets the task queued. A core size equal to the maximum would grow
 * too, but by one thread per task even when threads are idle.
 */
final class PoolQueue extends LinkedBlockingQueue<Runnable> {

	private static final long serialVersionUID = 1L;

	private final transient IntSupplier submitted;

	private transient ThreadPoolExecutor executor;

	/**
	 * @param capacity the bound
	 * @param submitted tasks handed to the pool and not finished, the offered one included
	 */
	PoolQueue(int capacity, IntSupplier submitted) {
		super(capacity);
		this.submitted = submitted;
	}

	void setExecutor(ThreadPoolExecutor executor) {
		this.executor = executor;
	}

	@Override
	public boolean offer(Runnable task) {
		ThreadPoolExecutor executor = this.executor;
		if (executor != null) {
			int threads = executor.getPoolSize();
			boolean idleThread = this.submitted.getAsInt() <= threads;
			if (!idleThread && threads < executor.getMaximumPoolSize()) {
				return false;
			}
		}
		return super.offer(task);
	}

	/**
	 * Queues a task the executor could not give a new thread (the pool reached its maximum
	 * meanwhile), if there is room.
	 * @param task the task
	 * @return whether it was queued
	 */
	boolean forceOffer(Runnable task) {
		return super.offer(task);
	}

}
