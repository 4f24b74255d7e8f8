package dev.bridge.pool;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.bridge.BlockingPoolSaturatedException;
import reactor.core.scheduler.Scheduler;

/**
 * One bounded, named pool: a {@link ThreadPoolExecutor} whose threads are created on demand
 * up to {@code maxThreads} before anything queues (core = max, core threads time out), a
 * bounded queue, and a Reactor {@link Scheduler} view.
 */
public final class BlockingPool {

	private static final Log logger = LogFactory.getLog(BlockingPool.class);

	private final PoolSettings settings;

	private final ThreadPoolExecutor executor;

	private final PoolScheduler scheduler;

	private final Set<PoolTask> running = ConcurrentHashMap.newKeySet();

	private final LongAdder rejected = new LongAdder();

	private final LongAdder cancelled = new LongAdder();

	private final LongAdder abandoned = new LongAdder();

	private final List<PoolTaskListener> taskListeners = new CopyOnWriteArrayList<>();

	private volatile boolean closed;

	public BlockingPool(PoolSettings settings) {
		this.settings = settings;
		PoolThreadFactory threadFactory = settings.virtualThreads() ? PoolThreadFactory.virtual(settings.name())
				: PoolThreadFactory.platform(settings.name());
		BlockingQueue<Runnable> queue = (settings.queueCapacity() > 0)
				? new LinkedBlockingQueue<>(settings.queueCapacity()) : new SynchronousQueue<>();
		this.executor = new ThreadPoolExecutor(settings.maxThreads(), settings.maxThreads(),
				settings.keepAlive().toNanos(), TimeUnit.NANOSECONDS, queue, threadFactory, this::reject);
		this.executor.allowCoreThreadTimeOut(true);
		this.scheduler = new PoolScheduler(this, UnaryOperator.identity());
	}

	private void reject(Runnable task, ThreadPoolExecutor executor) {
		this.rejected.increment();
		throw (this.closed || executor.isShutdown()) ? BlockingPoolSaturatedException.shutDown(name())
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
		return this.executor.getActiveCount();
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
		return this.executor.getQueue().remainingCapacity() == 0
				&& this.executor.getActiveCount() >= this.settings.maxThreads();
	}

	PoolTask execute(Runnable task, Runnable abandonAction) {
		if (this.closed) {
			this.rejected.increment();
			throw BlockingPoolSaturatedException.shutDown(name());
		}
		PoolTask poolTask = new PoolTask(this, task, abandonAction);
		this.running.add(poolTask);
		try {
			this.executor.execute(poolTask);
		}
		catch (RejectedExecutionException ex) {
			this.running.remove(poolTask);
			throw ex;
		}
		return poolTask;
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
		long now = System.nanoTime();
		for (PoolTaskListener listener : this.taskListeners) {
			listener.taskStarting(now - handedOverAt);
		}
		return now;
	}

	void taskFinished(long startedAt) {
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

	void taskDone(PoolTask task) {
		this.running.remove(task);
	}

	void cancelled() {
		this.cancelled.increment();
	}

	/**
	 * Stops taking work, lets queued and running tasks finish for {@code awaitTermination},
	 * then interrupts what is left. Tasks that never started are failed so that no caller
	 * waits forever.
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
		int runningNow = this.executor.getActiveCount();
		List<Runnable> neverStarted = this.executor.shutdownNow();
		for (Runnable runnable : neverStarted) {
			if (runnable instanceof PoolTask task) {
				task.abandon();
			}
		}
		int count = runningNow + neverStarted.size();
		this.abandoned.add(count);
		logger.warn("Blocking pool '" + name() + "' abandoned " + count + " task(s) after a drain of "
				+ awaitTermination + ": " + runningNow + " running (interrupted), " + neverStarted.size()
				+ " queued (never started, their callers got an error); raise bridge.shutdown.await-termination "
				+ "to let them finish");
		return count;
	}

	@Override
	public String toString() {
		return "BlockingPool[" + name() + ", threads=" + threads() + "/" + this.settings.maxThreads() + ", queued="
				+ queued() + "/" + this.settings.queueCapacity() + "]";
	}

}
