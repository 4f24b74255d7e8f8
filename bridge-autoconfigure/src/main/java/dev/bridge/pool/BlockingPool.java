package dev.bridge.pool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bridge.BlockingBridgeShutdownException;
import dev.bridge.BlockingPoolSaturatedException;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * One bounded, named pool: a {@link ThreadPoolExecutor} whose threads are created on demand
 * up to {@code maxThreads} before anything queues and retire after keep-alive (see
 * {@link PoolQueue}), a bounded queue, and a Reactor {@link Scheduler} view.
 */
public final class BlockingPool {

	private static final Log logger = LogFactory.getLog(BlockingPool.class);

	private final PoolSettings settings;

	private final ThreadPoolExecutor executor;

	private final PoolScheduler scheduler;

	private static final ThreadLocal<BlockingPool> CURRENT = new ThreadLocal<>();

	private final AtomicInteger busy = new AtomicInteger();

	/** Tasks handed to the executor and not yet finished or dropped; see {@link PoolQueue}. */
	private final AtomicInteger submitted = new AtomicInteger();

	private final LongAdder rejected = new LongAdder();

	private final LongAdder cancelled = new LongAdder();

	private final LongAdder abandoned = new LongAdder();

	private final List<PoolTaskListener> taskListeners = new CopyOnWriteArrayList<>();

	private volatile boolean closed;

	public BlockingPool(PoolSettings settings) {
		this.settings = settings;
		PoolThreadFactory threadFactory = settings.virtualThreads() ? PoolThreadFactory.virtual(settings.name())
				: PoolThreadFactory.platform(settings.name());
		PoolQueue poolQueue = (settings.queueCapacity() > 0) ? new PoolQueue(settings.queueCapacity(), this.submitted::get)
				: null;
		BlockingQueue<Runnable> queue = (poolQueue != null) ? poolQueue : new SynchronousQueue<>();
		this.executor = new ThreadPoolExecutor(0, settings.maxThreads(), settings.keepAlive().toNanos(),
				TimeUnit.NANOSECONDS, queue, threadFactory, this::reject);
		if (poolQueue != null) {
			poolQueue.setExecutor(this.executor);
		}
		this.scheduler = new PoolScheduler(this, UnaryOperator.identity());
	}

	private void reject(Runnable task, ThreadPoolExecutor executor) {
		boolean open = !this.closed && !executor.isShutdown();
		if (open && executor.getQueue() instanceof PoolQueue queue && queue.forceOffer(task)) {
			return;
		}
		throw (!open) ? new BlockingBridgeShutdownException(name())
				: BlockingPoolSaturatedException.saturated(name(), this.settings.maxThreads(),
						this.settings.queueCapacity());
	}

	public String name() {
		return this.settings.name();
	}

	public PoolSettings settings() {
		return this.settings;
	}

	/**
	 * The raw executor, for meter binders such as Micrometer's
	 * {@code ExecutorServiceMetrics}. Submit work through {@link #scheduler()} or the
	 * {@code BlockingBridge} instead.
	 * @return the executor
	 */
	public ThreadPoolExecutor executor() {
		return this.executor;
	}

	/**
	 * A Reactor scheduler on this pool. Disposing it does nothing: the pool belongs to the
	 * bridge and is shut down with it.
	 * @return the scheduler
	 */
	public Scheduler scheduler() {
		return this.scheduler;
	}

	/**
	 * A scheduler whose tasks are wrapped by the given decorator, for example to restore the
	 * caller's context around them.
	 * @param decorator wraps each task before it is queued
	 * @return the scheduler
	 */
	public Scheduler scheduler(UnaryOperator<Runnable> decorator) {
		return new PoolScheduler(this, decorator);
	}

	/**
	 * Tasks refused because the queue was full or the pool was shut down.
	 * @return the count
	 */
	public long rejectedCount() {
		return this.rejected.sum();
	}

	/**
	 * Tasks whose subscriber cancelled before they completed (removed from the queue, or
	 * cancelled while running).
	 * @return the count
	 */
	public long cancelledCount() {
		return this.cancelled.sum();
	}

	/**
	 * Tasks abandoned at shutdown: still queued or running when the drain period ended.
	 * @return the count
	 */
	public long abandonedCount() {
		return this.abandoned.sum();
	}

	public int queued() {
		return this.executor.getQueue().size();
	}

	public int active() {
		return this.busy.get();
	}

	public int threads() {
		return this.executor.getPoolSize();
	}

	public boolean isClosed() {
		return this.closed;
	}

	/**
	 * Whether the queue is full and every thread busy: the next task would be refused.
	 * @return whether the pool is saturated
	 */
	public boolean isSaturated() {
		return this.executor.getQueue().remainingCapacity() == 0 && this.busy.get() >= this.settings.maxThreads();
	}

	/**
	 * Runs a task on this pool on behalf of an owner, such as a Reactor task from WebFlux's
	 * blocking-execution hook: when the queue is full, queued tasks whose owner was disposed
	 * (their caller left) are removed and counted as cancelled before the task is refused.
	 * @param task the task
	 * @param owner what the task runs for; {@code null} if it has no owner to check
	 * @return the pool's handle on the task; disposing it cancels the task
	 * @throws BlockingPoolSaturatedException if the queue is full or the pool is closed
	 */
	public Disposable execute(Runnable task, @Nullable Disposable owner) {
		return execute(task, null, owner);
	}

	PoolTask execute(Runnable task, @Nullable Runnable abandonAction, @Nullable Disposable owner) {
		if (this.closed) {
			this.rejected.increment();
			throw new BlockingBridgeShutdownException(name());
		}
		PoolTask poolTask = new PoolTask(this, task, abandonAction, owner);
		this.submitted.incrementAndGet();
		try {
			this.executor.execute(poolTask);
		}
		catch (RejectedExecutionException ex) {
			if (!this.closed && purgeTasksOfDisposedOwners() > 0) {
				try {
					this.executor.execute(poolTask);
					return poolTask;
				}
				catch (RejectedExecutionException retry) {
					// still full: refused below
				}
			}
			poolTask.release();
			this.rejected.increment();
			throw ex;
		}
		return poolTask;
	}

	private int purgeTasksOfDisposedOwners() {
		int purged = 0;
		for (Runnable queued : this.executor.getQueue().toArray(new Runnable[0])) {
			if (queued instanceof PoolTask task && task.isOwnerDisposed() && this.executor.remove(task)
					&& task.cancel(false)) {
				task.release();
				this.cancelled.increment();
				purged++;
			}
		}
		return purged;
	}

	/**
	 * The pool whose task the calling thread is running, if any.
	 * @return the pool, or {@code null} off pool threads
	 */
	public static @Nullable BlockingPool current() {
		return CURRENT.get();
	}

	/**
	 * Adds a listener told how long each task waited and ran, for example to record
	 * Micrometer's {@code executor.idle} and {@code executor} timers. The executor is not
	 * wrapped: see {@link PoolTaskListener} for why.
	 * @param listener the listener
	 */
	public void addTaskListener(PoolTaskListener listener) {
		this.taskListeners.add(listener);
	}

	/**
	 * Removes a listener added with {@link #addTaskListener(PoolTaskListener)}.
	 * @param listener the listener
	 */
	public void removeTaskListener(PoolTaskListener listener) {
		this.taskListeners.remove(listener);
	}

	/**
	 * Tells the listeners that a task starts on the calling thread.
	 * @param handedOverAt when the task was handed to the pool
	 * @return the start time, to pass to {@link #taskFinished(long)}
	 */
	long taskStarting(long handedOverAt) {
		this.busy.incrementAndGet();
		CURRENT.set(this);
		long now = System.nanoTime();
		for (PoolTaskListener listener : this.taskListeners) {
			listener.taskStarting(now - handedOverAt);
		}
		return now;
	}

	void taskFinished(long startedAt) {
		CURRENT.remove();
		this.busy.decrementAndGet();
		if (this.taskListeners.isEmpty()) {
			return;
		}
		long ran = System.nanoTime() - startedAt;
		for (PoolTaskListener listener : this.taskListeners) {
			listener.taskFinished(ran);
		}
	}

	boolean removeQueued(PoolTask task) {
		return this.executor.remove(task);
	}

	void released() {
		this.submitted.decrementAndGet();
	}

	void cancelled() {
		this.cancelled.increment();
	}

	/**
	 * Stops taking work, lets queued and running tasks finish for {@code awaitTermination},
	 * then interrupts what is left. Tasks of {@code spawn} and {@code @Blocking} calls that
	 * never started fail their caller so that it does not wait forever; tasks scheduled by
	 * hand through {@link #scheduler()} cannot be told and are dropped (and counted).
	 * @param awaitTermination the drain period
	 * @return how many tasks were abandoned
	 */
	public int shutdown(Duration awaitTermination) {
		this.closed = true;
		this.executor.shutdown();
		boolean terminated = false;
		try {
			terminated = this.executor.awaitTermination(awaitTermination.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (terminated) {
			return 0;
		}
		// Read just before the interrupts: an interrupted task may end at once.
		int runningNow = this.busy.get();
		List<Runnable> neverStarted = this.executor.shutdownNow();
		int signalled = 0;
		int dropped = 0;
		for (Runnable runnable : neverStarted) {
			if (runnable instanceof PoolTask task) {
				try {
					if (task.abandon()) {
						signalled++;
					}
					else {
						dropped++;
					}
				}
				catch (RuntimeException ex) {
					dropped++;
					logger.warn("Failing an abandoned task of blocking pool '" + name() + "' threw", ex);
				}
			}
		}
		int count = runningNow + signalled + dropped;
		this.abandoned.add(count);
		logger.warn("Blocking pool '" + name() + "' abandoned " + count + " task(s) after a drain of "
				+ awaitTermination + ": " + runningNow + " running (interrupted), " + (signalled + dropped)
				+ " queued (never started: " + signalled + " caller(s) got an error, " + dropped
				+ " hand-scheduled task(s) dropped); raise bridge.shutdown.await-termination to let them finish");
		return count;
	}

	@Override
	public String toString() {
		return "BlockingPool[" + name() + ", threads=" + threads() + "/" + this.settings.maxThreads() + ", queued="
				+ queued() + "/" + this.settings.queueCapacity() + "]";
	}

}
