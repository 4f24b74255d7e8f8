package dev.bridge.pool;

import java.util.AbstractQueue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

/**
 * The executor of a virtual-thread pool: a new thread for every task, at most
 * {@code maxThreads} at once, and a bounded queue for the tasks that wait for one of those
 * places. A task that finds every place taken and the queue full is refused through the
 * rejection handler.
 * <p>
 * Nothing on the submitting path takes a lock: a place is a compare-and-set on a counter, the
 * queue is a {@link ConcurrentLinkedQueue} with a counted bound, and starting a virtual thread
 * hands it to the JDK's scheduler. A pooled worker would instead wait on a queue's lock, and a
 * virtual thread waiting on a lock needs a carrier thread before it can release it, which can
 * hold up the event loop that offers the next task.
 * <p>
 * When a task ends, its thread gives its place to the first queued task, on a new thread of
 * its own, so that nothing a task leaves in its thread's locals reaches another task. A task
 * queued just as the last thread gave its place back is seen by one of the two: the thread
 * looks at the queue after it gives its place back, the submitter looks for a free place after
 * it queued.
 * <p>
 * It is a {@link ThreadPoolExecutor} only so that meter binders read it as one (Micrometer's
 * {@code ExecutorServiceMetrics} reads the active count, the completed count, the pool size,
 * the maximum and the queue); it does not use the superclass's workers.
 */
final class VirtualPoolExecutor extends ThreadPoolExecutor {

	private static final int SHUTDOWN = 1 << 30;

	private static final int TERMINATED = 1 << 29;

	private static final int COUNT_MASK = TERMINATED - 1;

	private final int maxThreads;

	private final ThreadFactory threadFactory;

	private final RejectedExecutionHandler rejection;

	private final TaskQueue queue;

	/** Threads holding a place (count bits), and whether the executor is shut down or terminated. */
	private final AtomicInteger control = new AtomicInteger();

	private final AtomicInteger active = new AtomicInteger();

	private final AtomicInteger largest = new AtomicInteger();

	private final LongAdder completed = new LongAdder();

	private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

	private final CountDownLatch termination = new CountDownLatch(1);

	private volatile boolean stopped;

	/**
	 * An executor with the given bounds.
	 * @param maxThreads most tasks running at once
	 * @param queueCapacity most tasks waiting for a place; 0 refuses a task that finds no place
	 * @param threadFactory creates one thread per task
	 * @param rejection told of each refused task; it is expected to throw
	 */
	VirtualPoolExecutor(int maxThreads, int queueCapacity, ThreadFactory threadFactory,
			RejectedExecutionHandler rejection) {
		this(maxThreads, new TaskQueue(queueCapacity), threadFactory, rejection);
	}

	private VirtualPoolExecutor(int maxThreads, TaskQueue queue, ThreadFactory threadFactory,
			RejectedExecutionHandler rejection) {
		super(0, maxThreads, 0, TimeUnit.NANOSECONDS, queue, threadFactory, rejection);
		this.maxThreads = maxThreads;
		this.queue = queue;
		this.threadFactory = threadFactory;
		this.rejection = rejection;
	}

	@Override
	public void execute(Runnable task) {
		if (task == null) {
			throw new NullPointerException("task");
		}
		if (acquire(false)) {
			start(task);
			return;
		}
		if (isShutdown() || !this.queue.offer(task)) {
			this.rejection.rejectedExecution(task, this);
			return;
		}
		if (isShutdown() && this.queue.remove(task)) {
			this.rejection.rejectedExecution(task, this);
			return;
		}
		startQueued();
	}

	/**
	 * Takes a place if one is free.
	 * @param draining whether the place is for a queued task, which may still start after
	 * shutdown (the queue drains), but not once the executor has terminated
	 * @return whether a place was taken: the caller must start a thread on it or give it back
	 */
	private boolean acquire(boolean draining) {
		for (;;) {
			int current = this.control.get();
			if ((current & TERMINATED) != 0 || (!draining && (current & SHUTDOWN) != 0)
					|| (current & COUNT_MASK) >= this.maxThreads) {
				return false;
			}
			if (this.control.compareAndSet(current, current + 1)) {
				int count = (current & COUNT_MASK) + 1;
				if (count > this.largest.get()) {
					this.largest.accumulateAndGet(count, Math::max);
				}
				return true;
			}
		}
	}

	/** Gives a place back; the caller then looks at the queue (see {@link #startQueued()}). */
	private void releasePlace() {
		this.control.decrementAndGet();
	}

	/**
	 * Starts queued tasks on free places, for a submitter whose task was queued because no
	 * place was free when it looked.
	 */
	private void startQueued() {
		while (!this.queue.isEmpty() && acquire(true)) {
			Runnable next = this.queue.poll();
			if (next == null) {
				releasePlace();
				continue;
			}
			start(next);
		}
		tryTerminate();
	}

	/**
	 * Starts a thread for a task on a place taken for it.
	 */
	private void start(Runnable task) {
		try {
			Thread thread = this.threadFactory.newThread(new Worker(task));
			if (thread == null) {
				throw new IllegalStateException("The thread factory of " + this + " created no thread");
			}
			thread.start();
		}
		catch (RuntimeException | Error ex) {
			// Out of memory for a thread: the place is free again; queued tasks get their turn
			// when a running task ends.
			releasePlace();
			tryTerminate();
			throw ex;
		}
	}

	/**
	 * The thread of one task: a class rather than a lambda calling a method, so that the task
	 * (a handler that parks on its virtual thread) runs one frame higher.
	 */
	private final class Worker implements Runnable {

		private final Runnable task;

		Worker(Runnable task) {
			this.task = task;
		}

		@Override
		public void run() {
			Thread self = Thread.currentThread();
			// Registered by the thread itself, not by the submitter (often an event loop); a
			// shutdownNow that missed it is seen just below.
			VirtualPoolExecutor.this.threads.add(self);
			try {
				if (VirtualPoolExecutor.this.stopped) {
					self.interrupt();
				}
				VirtualPoolExecutor.this.active.incrementAndGet();
				try {
					this.task.run();
				}
				finally {
					VirtualPoolExecutor.this.active.decrementAndGet();
					VirtualPoolExecutor.this.completed.increment();
				}
			}
			finally {
				VirtualPoolExecutor.this.threads.remove(self);
				handOver();
			}
		}

	}

	/**
	 * Gives the place of a task that ended to the next queued task, or back.
	 */
	private void handOver() {
		Runnable next = this.queue.poll();
		if (next != null) {
			start(next);
			return;
		}
		releasePlace();
		// A task queued after the poll by a submitter that found no free place: start it.
		startQueued();
	}

	private void tryTerminate() {
		if (this.control.get() == SHUTDOWN && this.queue.isEmpty()
				&& this.control.compareAndSet(SHUTDOWN, SHUTDOWN | TERMINATED)) {
			this.termination.countDown();
		}
	}

	@Override
	public boolean remove(Runnable task) {
		boolean removed = this.queue.remove(task);
		tryTerminate();
		return removed;
	}

	@Override
	public void purge() {
		// Tasks are removed from the queue when they are cancelled; nothing to purge.
	}

	@Override
	public void shutdown() {
		this.control.getAndUpdate((current) -> current | SHUTDOWN);
		tryTerminate();
	}

	@Override
	public List<Runnable> shutdownNow() {
		shutdown();
		this.stopped = true;
		List<Runnable> neverStarted = new ArrayList<>();
		this.queue.drainTo(neverStarted);
		for (Thread thread : this.threads) {
			thread.interrupt();
		}
		tryTerminate();
		return neverStarted;
	}

	@Override
	public boolean isShutdown() {
		return (this.control.get() & SHUTDOWN) != 0;
	}

	@Override
	public boolean isTerminating() {
		int current = this.control.get();
		return (current & SHUTDOWN) != 0 && (current & TERMINATED) == 0;
	}

	@Override
	public boolean isTerminated() {
		return (this.control.get() & TERMINATED) != 0;
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
		return this.termination.await(timeout, unit);
	}

	/**
	 * Tasks running now.
	 * @return the count
	 */
	@Override
	public int getActiveCount() {
		return this.active.get();
	}

	/**
	 * Threads alive now: one per running task, plus a thread for a task about to start.
	 * @return the count
	 */
	@Override
	public int getPoolSize() {
		return this.control.get() & COUNT_MASK;
	}

	@Override
	public int getLargestPoolSize() {
		return this.largest.get();
	}

	@Override
	public long getCompletedTaskCount() {
		return this.completed.sum();
	}

	@Override
	public long getTaskCount() {
		return this.completed.sum() + this.active.get() + this.queue.size();
	}

	/**
	 * Refused: the bound is a setting of the pool.
	 * @param corePoolSize ignored
	 */
	@Override
	public void setCorePoolSize(int corePoolSize) {
		throw new UnsupportedOperationException("The threads of a virtual-thread pool are bounded by its max-threads "
				+ "setting; set bridge.pools.<name>.max-threads instead");
	}

	/**
	 * Refused: the bound is a setting of the pool.
	 * @param maximumPoolSize ignored
	 */
	@Override
	public void setMaximumPoolSize(int maximumPoolSize) {
		throw new UnsupportedOperationException("The threads of a virtual-thread pool are bounded by its max-threads "
				+ "setting; set bridge.pools.<name>.max-threads instead");
	}

	@Override
	public boolean prestartCoreThread() {
		return false;
	}

	@Override
	public int prestartAllCoreThreads() {
		return 0;
	}

	@Override
	public String toString() {
		int current = this.control.get();
		String state = ((current & TERMINATED) != 0) ? "Terminated"
				: ((current & SHUTDOWN) != 0) ? "Shutting down" : "Running";
		return getClass().getSimpleName() + "[" + state + ", threads = " + (current & COUNT_MASK) + "/"
				+ this.maxThreads + ", active = " + this.active.get() + ", queued = " + this.queue.size() + "/"
				+ this.queue.capacity + ", completed = " + this.completed.sum() + "]";
	}

	/**
	 * A bounded queue without locks: a {@link ConcurrentLinkedQueue} and a count taken
	 * before a task goes in, so that the bound is exact. Only the executor feeds it; a
	 * caller never waits on it, so its blocking methods are refused.
	 */
	static final class TaskQueue extends AbstractQueue<Runnable> implements BlockingQueue<Runnable> {

		private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

		private final AtomicInteger count = new AtomicInteger();

		private final int capacity;

		TaskQueue(int capacity) {
			this.capacity = capacity;
		}

		@Override
		public boolean offer(Runnable task) {
			for (;;) {
				int current = this.count.get();
				if (current >= this.capacity) {
					return false;
				}
				if (this.count.compareAndSet(current, current + 1)) {
					this.tasks.offer(task);
					return true;
				}
			}
		}

		@Override
		public @Nullable Runnable poll() {
			Runnable task = this.tasks.poll();
			if (task != null) {
				this.count.decrementAndGet();
			}
			return task;
		}

		@Override
		public @Nullable Runnable peek() {
			return this.tasks.peek();
		}

		@Override
		public boolean remove(Object task) {
			if (this.tasks.remove(task)) {
				this.count.decrementAndGet();
				return true;
			}
			return false;
		}

		@Override
		public boolean isEmpty() {
			return this.tasks.isEmpty();
		}

		/**
		 * Tasks in the queue, including one whose submitter has taken its place but not yet
		 * put it in.
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

		@Override
		public Iterator<Runnable> iterator() {
			Iterator<Runnable> iterator = this.tasks.iterator();
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
					TaskQueue.this.remove(last);
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

		@Override
		public boolean offer(Runnable task, long timeout, TimeUnit unit) {
			return offer(task);
		}

		@Override
		public @Nullable Runnable poll(long timeout, TimeUnit unit) {
			return poll();
		}

		@Override
		public void put(Runnable task) {
			throw new UnsupportedOperationException("The queue of a virtual-thread pool does not block");
		}

		@Override
		public Runnable take() {
			throw new UnsupportedOperationException("The queue of a virtual-thread pool does not block");
		}

	}

}
