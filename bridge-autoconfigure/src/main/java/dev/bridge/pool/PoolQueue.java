package dev.bridge.pool;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The bounded queue of a pool. The pool decides, before it hands a task to its
 * {@link ThreadPoolExecutor}, whether the task gets a new thread (see {@link PoolThreads});
 * {@link #offer} refuses such a task, which makes the executor add a worker for it. Any other
 * task is queued, for an idle thread or because the pool is at its maximum.
 * <p>
 * A thread whose keep-alive runs out counts itself as retiring before it looks at the queue
 * one last time: a task offered meanwhile is either seen by that look, or offered while the
 * thread no longer counts, so that the pool starts a thread for it (or, if the thread is
 * already leaving, the pool starts one when it has left).
 * <p>
 * A {@link java.util.concurrent.LinkedBlockingQueue}: a task offered while tasks are queued
 * wakes no thread, and a thread that has just finished a task takes the next one without
 * parking. A lock-free {@link java.util.concurrent.LinkedTransferQueue} was tried instead
 * (offering then takes no lock), but it hands every task offered to a thread parked waiting,
 * if any, so that each task cost a park and an unpark: with 1000 short calls in flight the hop
 * took 9.6 instead of 1.1-1.8 µs per call, and a chain of calls one after the other 16 instead
 * of 1.3 µs per call (the project's JMH, JDK 17, 2 CPUs).
 */
final class PoolQueue extends LinkedBlockingQueue<Runnable> {

	private static final long serialVersionUID = 1L;

	private final transient PoolThreads threads;

	PoolQueue(int capacity, PoolThreads threads) {
		super(capacity);
		this.threads = threads;
	}

	@Override
	public boolean offer(Runnable task) {
		return !startsThread(task) && super.offer(task);
	}

	@Override
	public @Nullable Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
		this.threads.unretire();
		Runnable task = super.poll(timeout, unit);
		if (task != null) {
			return task;
		}
		this.threads.retire();
		task = super.poll();
		if (task != null) {
			this.threads.unretire();
		}
		return task;
	}

	/**
	 * Queues a task the executor could not give a new thread, if there is room.
	 * @param task the task
	 * @return whether it was queued
	 */
	boolean forceOffer(Runnable task) {
		return super.offer(task);
	}

	static boolean startsThread(Runnable task) {
		return task instanceof PoolTask poolTask && poolTask.startsThread;
	}

	/**
	 * The direct hand-off of a pool without a queue: a task for a new thread is refused in
	 * the same way.
	 */
	static final class HandOff extends SynchronousQueue<Runnable> {

		private static final long serialVersionUID = 1L;

		@Override
		public boolean offer(Runnable task) {
			return !startsThread(task) && super.offer(task);
		}

	}

}
