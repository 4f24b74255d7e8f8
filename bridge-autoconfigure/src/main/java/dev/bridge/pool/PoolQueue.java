package dev.bridge.pool;

import java.util.Collection;
import java.util.Iterator;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

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
 * Offering takes no lock: the queue is a {@link LinkedTransferQueue} bounded by a count taken
 * before a task goes in. A {@code LinkedBlockingQueue} would make the event loop that offers a
 * task take the lock the waiting threads take, and wait whenever the thread holding it is not
 * running (on a loaded machine, often). Only the executor and the pool use this queue: the
 * methods that would put a task in without counting it are refused.
 */
final class PoolQueue extends LinkedTransferQueue<Runnable> {

	private static final long serialVersionUID = 1L;

	private final transient PoolThreads threads;

	private final int capacity;

	private final AtomicInteger count = new AtomicInteger();

	PoolQueue(int capacity, PoolThreads threads) {
		this.capacity = capacity;
		this.threads = threads;
	}

	@Override
	public boolean offer(Runnable task) {
		return !startsThread(task) && forceOffer(task);
	}

	@Override
	public boolean offer(Runnable task, long timeout, TimeUnit unit) {
		return offer(task);
	}

	@Override
	public boolean add(Runnable task) {
		if (!offer(task)) {
			throw new IllegalStateException("Queue full");
		}
		return true;
	}

	@Override
	public void put(Runnable task) {
		throw new UnsupportedOperationException("A pool's queue is bounded: offer a task instead");
	}

	@Override
	public void transfer(Runnable task) {
		throw new UnsupportedOperationException("A pool's queue is bounded: offer a task instead");
	}

	@Override
	public boolean tryTransfer(Runnable task) {
		throw new UnsupportedOperationException("A pool's queue is bounded: offer a task instead");
	}

	@Override
	public boolean tryTransfer(Runnable task, long timeout, TimeUnit unit) {
		throw new UnsupportedOperationException("A pool's queue is bounded: offer a task instead");
	}

	@Override
	public @Nullable Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
		this.threads.unretire();
		Runnable task = taken(super.poll(timeout, unit));
		if (task != null) {
			return task;
		}
		this.threads.retire();
		task = poll();
		if (task != null) {
			this.threads.unretire();
		}
		return task;
	}

	@Override
	public @Nullable Runnable poll() {
		return taken(super.poll());
	}

	@Override
	public Runnable take() throws InterruptedException {
		Runnable task = super.take();
		this.count.decrementAndGet();
		return task;
	}

	private @Nullable Runnable taken(@Nullable Runnable task) {
		if (task != null) {
			this.count.decrementAndGet();
		}
		return task;
	}

	@Override
	public boolean remove(Object task) {
		if (super.remove(task)) {
			this.count.decrementAndGet();
			return true;
		}
		return false;
	}

	@Override
	public boolean removeIf(Predicate<? super Runnable> filter) {
		boolean removed = false;
		for (Runnable task : toArray(new Runnable[0])) {
			if (filter.test(task) && remove(task)) {
				removed = true;
			}
		}
		return removed;
	}

	@Override
	public boolean removeAll(Collection<?> tasks) {
		return removeIf(tasks::contains);
	}

	@Override
	public boolean retainAll(Collection<?> tasks) {
		return removeIf((task) -> !tasks.contains(task));
	}

	@Override
	public void clear() {
		while (poll() != null) {
			// drained
		}
	}

	@Override
	public Iterator<Runnable> iterator() {
		Iterator<Runnable> iterator = super.iterator();
		return new Iterator<>() {

			private @Nullable Runnable last;

			@Override
			public boolean hasNext() {
				return iterator.hasNext();
			}

			@Override
			public Runnable next() {
				Runnable next = iterator.next();
				this.last = next;
				return next;
			}

			@Override
			public void remove() {
				Runnable last = this.last;
				if (last == null) {
					throw new IllegalStateException();
				}
				this.last = null;
				PoolQueue.this.remove(last);
			}

		};
	}

	@Override
	public int drainTo(Collection<? super Runnable> target) {
		return drainTo(target, Integer.MAX_VALUE);
	}

	@Override
	public int drainTo(Collection<? super Runnable> target, int maxElements) {
		int drained = 0;
		Runnable task;
		while (drained < maxElements && (task = poll()) != null) {
			target.add(task);
			drained++;
		}
		return drained;
	}

	/**
	 * Tasks in the queue, including one whose caller has taken its place but not yet put it
	 * in.
	 * @return the count
	 */
	@Override
	public int size() {
		return this.count.get();
	}

	@Override
	public int remainingCapacity() {
		return Math.max(0, this.capacity - this.count.get());
	}

	/**
	 * Queues a task the executor could not give a new thread, if there is room.
	 * @param task the task
	 * @return whether it was queued
	 */
	boolean forceOffer(Runnable task) {
		for (;;) {
			int current = this.count.get();
			if (current >= this.capacity) {
				return false;
			}
			if (this.count.compareAndSet(current, current + 1)) {
				super.offer(task);
				return true;
			}
		}
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
