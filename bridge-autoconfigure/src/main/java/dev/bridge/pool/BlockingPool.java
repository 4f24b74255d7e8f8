package dev.bridge.pool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.bridge.eventloop.EventLoops;
import dev.bridge.settings.DurationText;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * One bounded, named pool: a {@link ThreadPoolExecutor} whose threads are created on demand
 * up to {@code maxThreads} before anything queues and retire after keep-alive (see
 * {@link PoolThreads} and {@link PoolQueue}), a bounded queue, and a Reactor
 * {@link Scheduler} view.
 * <p>
 * An event loop never starts a thread itself: when a task from a loop needs a new thread,
 * the thread is reserved at once (so the bound and saturation stay exact) and started by
 * the {@link PoolThreadStarter}; the task runs first on it.
 * <p>
 * A pool on virtual threads has no threads to grow or retire: its {@link VirtualPoolExecutor}
 * starts a new virtual thread per task, at most {@code maxThreads} at once, on the calling
 * thread (loops included: starting a virtual thread only hands it to the JDK's scheduler),
 * and takes no lock on the way.
 */
public final class BlockingPool {

	private static final Log logger = LogFactory.getLog(BlockingPool.class);

	private static final long PURGE_PAUSE_MILLIS = 10;

	private static final long PURGE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(PURGE_PAUSE_MILLIS);

	private final PoolSettings settings;

	private final ThreadPoolExecutor executor;

	private final PoolScheduler scheduler;

	private static final ThreadLocal<BlockingPool> CURRENT = new ThreadLocal<>();

	private final AtomicInteger busy = new AtomicInteger();

	/** Tasks handed to the pool and not yet finished or dropped; see {@link PoolThreads}. */
	private final AtomicInteger submitted = new AtomicInteger();

	private final PoolThreads threads;

	/** Tasks handed to the {@link PoolThreadStarter} and not yet given their thread. */
	private final AtomicInteger handedOver = new AtomicInteger();

	private final LongAdder rejected = new LongAdder();

	private final LongAdder cancelled = new LongAdder();

	/**
	 * Until when refusals skip the scan for tasks of disposed owners (set after a scan that
	 * found none); {@code null} when the next refusal scans.
	 */
	private volatile @Nullable Long purgePausedUntil;

	private final LongAdder abandoned = new LongAdder();

	private final List<PoolTaskListener> taskListeners = new CopyOnWriteArrayList<>();

	private final PoolFailures failures;

	private volatile boolean closed;

	/**
	 * Whether tasks run on virtual threads: then a {@link VirtualPoolExecutor} starts a thread
	 * per task, and none of the growth of platform threads applies.
	 */
	private final boolean virtual;

	/**
	 * A pool that throws the exceptions {@code failures} makes.
	 * @param settings the settings
	 * @param failures makes the exceptions for refused tasks and settings that cannot work
	 */
	public BlockingPool(PoolSettings settings, PoolFailures failures) {
		this(settings, failures, UnaryOperator.identity());
	}

	/**
	 * A pool whose thread factory is wrapped, for tests that watch thread creation.
	 * @param settings the settings
	 * @param failures makes the exceptions for refused tasks and settings that cannot work
	 * @param threadFactoryDecorator wraps the pool's thread factory
	 */
	BlockingPool(PoolSettings settings, PoolFailures failures, UnaryOperator<ThreadFactory> threadFactoryDecorator) {
		this.settings = settings;
		this.failures = failures;
		this.threads = new PoolThreads(settings.maxThreads());
		this.virtual = settings.virtualThreads();
		if (this.virtual) {
			PoolThreadFactory threadFactory = PoolThreadFactory.virtual(settings.name(), failures);
			this.executor = new VirtualPoolExecutor(settings.maxThreads(), settings.queueCapacity(),
					threadFactoryDecorator.apply(threadFactory), this::refuse);
		}
		else {
			PoolThreadFactory threadFactory = PoolThreadFactory.platform(settings.name());
			BlockingQueue<Runnable> queue = (settings.queueCapacity() > 0)
					? new PoolQueue(settings.queueCapacity(), this.threads) : new PoolQueue.HandOff();
			this.executor = new PlatformPoolExecutor(settings.name(), settings.maxThreads(),
					settings.keepAlive().toNanos(), queue, threadFactoryDecorator.apply(threadFactory), this::reject);
			threadFactory.bind(this, this.threads);
		}
		this.scheduler = new PoolScheduler(this);
		// Started here, at start-up, so that no event loop ever starts it.
		PoolThreadStarter.get();
	}

	/**
	 * Refuses a task of a virtual-thread pool: its executor has no thread to add.
	 */
	private void refuse(Runnable task, ThreadPoolExecutor executor) {
		throw refusal();
	}

	private void reject(Runnable task, ThreadPoolExecutor executor) {
		boolean open = !this.closed && !executor.isShutdown();
		if (task instanceof PoolTask poolTask) {
			if (poolTask.startsThread) {
				// The reserved thread could not start: the executor is shutting down (it has no
				// bound of its own, see PlatformPoolExecutor). The task is queued if the pool is
				// still open, as if it had found no thread.
				poolTask.startsThread = false;
				this.threads.release();
			}
			else if (open && this.threads.reserve()) {
				// The queue is full, or no thread waits at the hand-off, and the pool may grow.
				startThread(poolTask);
				return;
			}
		}
		if (open && executor.getQueue() instanceof PoolQueue queue && queue.forceOffer(task)) {
			return;
		}
		throw refusal();
	}

	/**
	 * Starts the reserved thread of a task: here, or on the starter's thread when the
	 * caller is an event loop.
	 */
	private void startThread(PoolTask task) {
		task.startsThread = true;
		if (EventLoops.isEventLoopThread()) {
			this.handedOver.incrementAndGet();
			PoolThreadStarter.get().start(this, task);
		}
		else {
			startNow(task);
		}
	}

	private void startNow(PoolTask task) {
		try {
			this.threads.starting(() -> this.executor.execute(task));
		}
		catch (RuntimeException | Error ex) {
			if (!task.startsThread) {
				throw ex;
			}
			// Thread.start failed (out of native threads): the reservation was not used. The
			// task was accepted: it waits in the queue like a task that found no thread, or is
			// refused as one.
			task.startsThread = false;
			this.threads.release();
			if (!this.closed && !this.executor.isShutdown() && this.executor.getQueue() instanceof PoolQueue queue
					&& queue.forceOffer(task)) {
				logger.warn("Blocking pool '" + name() + "' could not start a thread; the task was queued", ex);
				return;
			}
			if (ex instanceof RejectedExecutionException) {
				throw ex;
			}
			RejectedExecutionException refusal = refusal();
			refusal.addSuppressed(ex);
			throw refusal;
		}
	}

	/**
	 * The exception for a task this pool cannot take now: the pool is shut down, or (only
	 * then) saturated.
	 */
	private RejectedExecutionException refusal() {
		return (this.closed || this.executor.isShutdown()) ? this.failures.shutDown(name())
				: this.failures.saturated(name(), this.settings.maxThreads(), this.settings.queueCapacity());
	}

	/**
	 * Called on the starter's thread for a task handed over by an event loop.
	 * @param task the task, with a reserved thread
	 */
	void startHandedOver(PoolTask task) {
		try {
			if (task.isDone()) {
				// Cancelled meanwhile (and counted then): no thread for it.
				task.startsThread = false;
				this.threads.release();
				task.release();
				return;
			}
			startNow(task);
		}
		catch (RuntimeException | Error ex) {
			// Refused after all: closed between the hand-over and now (the caller is told as for
			// a task queued at shutdown), or no thread could start and the queue is full. The
			// caller hears which.
			this.rejected.increment();
			task.abandon((ex instanceof RejectedExecutionException refusal) ? refusal : refusal());
		}
		finally {
			this.handedOver.decrementAndGet();
		}
	}

	/**
	 * Called when one of this pool's threads has ended: if tasks wait that no thread will
	 * take (the thread left just as they were queued for it), starts threads for them.
	 */
	void threadEnded() {
		if (this.closed || this.executor.isShutdown()) {
			return;
		}
		BlockingQueue<Runnable> queue = this.executor.getQueue();
		while (!queue.isEmpty() && this.submitted.get() > this.threads.live() && this.threads.reserve()) {
			Runnable next = queue.poll();
			if (!(next instanceof PoolTask task)) {
				this.threads.release();
				return;
			}
			try {
				startThread(task);
			}
			catch (RuntimeException | Error ex) {
				// Closed meanwhile (the drain at shutdown deals with what is left), or no thread
				// could start and the queue is full again: the caller hears which.
				this.rejected.increment();
				task.abandon((ex instanceof RejectedExecutionException refusal) ? refusal : refusal());
				return;
			}
		}
	}

	/**
	 * The pool's name, as in {@code bridge.pools.<name>}.
	 * @return the name
	 */
	public String name() {
		return this.settings.name();
	}

	/**
	 * The settings the pool was created with.
	 * @return the settings
	 */
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

	/**
	 * Tasks waiting in the queue for a thread.
	 * @return the queue length
	 */
	public int queued() {
		return this.executor.getQueue().size();
	}

	/**
	 * Tasks running now.
	 * @return the number of busy threads
	 */
	public int active() {
		return this.busy.get();
	}

	/**
	 * Threads the executor has now, busy or idle.
	 * @return the pool size
	 */
	public int threads() {
		return this.executor.getPoolSize();
	}

	/**
	 * Threads the pool counts (reserved, starting, alive and not retiring), for tests that
	 * check that no reservation is lost.
	 */
	int countedThreads() {
		return this.threads.live();
	}

	/**
	 * Whether the pool is shut down and accepts no new work.
	 * @return whether the pool is closed
	 */
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
	 * @throws RejectedExecutionException if the queue is full or the pool is closed
	 */
	Disposable execute(Runnable task, @Nullable Disposable owner) {
		return execute(task, null, owner);
	}

	PoolTask execute(Runnable task, @Nullable Consumer<RuntimeException> abandonAction, @Nullable Disposable owner) {
		if (this.closed) {
			this.rejected.increment();
			throw this.failures.shutDown(name());
		}
		PoolTask poolTask = new PoolTask(this, task, abandonAction, owner);
		int submitted = this.submitted.incrementAndGet();
		try {
			if (this.virtual) {
				this.executor.execute(poolTask);
			}
			else if (this.threads.reserveUnlessIdle(submitted)) {
				startThread(poolTask);
			}
			else {
				this.executor.execute(poolTask);
				if (!poolTask.startsThread) {
					recheckQueued(poolTask);
				}
			}
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

	/**
	 * Looks again, once the task is queued, whether a thread will take it: the idle thread
	 * counted on may have retired meanwhile, and may have left before the task was queued.
	 * The retiring thread looks at the queue after it stops counting, so one of the two
	 * sees the other.
	 */
	private void recheckQueued(PoolTask task) {
		if (this.submitted.get() > this.threads.live() && this.threads.reserve()) {
			if (this.executor.getQueue().remove(task)) {
				startThread(task);
			}
			else {
				this.threads.release();
			}
		}
	}

	/**
	 * Removes queued tasks whose owner was disposed, for a task the full queue refuses. A
	 * scan copies the whole queue under its locks: after one that found nothing, refusals
	 * in the next {@value #PURGE_PAUSE_MILLIS} ms do not scan again (under a flood of
	 * refusals, a scan on each one was the largest cost of a 503); a caller that left in
	 * that time gives up its place on the first refusal after it.
	 */
	private int purgeTasksOfDisposedOwners() {
		long now = System.nanoTime();
		Long pausedUntil = this.purgePausedUntil;
		if (pausedUntil != null && now - pausedUntil < 0) {
			return 0;
		}
		int purged = 0;
		for (Runnable queued : this.executor.getQueue().toArray(new Runnable[0])) {
			if (queued instanceof PoolTask task && task.isOwnerDisposed() && this.executor.remove(task)
					&& task.cancel(false)) {
				task.release();
				this.cancelled.increment();
				purged++;
			}
		}
		this.purgePausedUntil = (purged == 0) ? Long.valueOf(now + PURGE_PAUSE_NANOS) : null;
		return purged;
	}

	/**
	 * The pool whose task the calling thread is running, if any.
	 * @return the pool, or {@code null} off pool threads
	 */
	static @Nullable BlockingPool current() {
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
		// Once per thread: a thread of this pool runs this pool's tasks only, and a virtual
		// thread runs one task.
		if (this.virtual || CURRENT.get() != this) {
			CURRENT.set(this);
		}
		long now = System.nanoTime();
		for (PoolTaskListener listener : this.taskListeners) {
			listener.taskStarting(now - handedOverAt);
		}
		return now;
	}

	void taskFinished(long startedAt) {
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

	/**
	 * A refused task ran after all (a scheduler worker's task taken by the worker's running
	 * turn): the refusal is not counted.
	 */
	void refusalWithdrawn() {
		this.rejected.decrement();
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
		awaitHandedOver(awaitTermination);
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
					if (task.abandon(this.failures.shutDown(name()))) {
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
				+ DurationText.print(awaitTermination) + ": " + runningNow + " running (interrupted), " + (signalled + dropped)
				+ " queued (never started: " + signalled + " caller(s) got an error, " + dropped
				+ " hand-scheduled task(s) dropped); raise bridge.shutdown.await-termination to let them finish");
		return count;
	}

	/**
	 * Lets tasks accepted from event loops get their thread before the executor stops
	 * taking new threads, so that they drain like queued tasks.
	 */
	private void awaitHandedOver(Duration awaitTermination) {
		long deadline = System.nanoTime() + Math.min(awaitTermination.toNanos(), TimeUnit.SECONDS.toNanos(1));
		while (this.handedOver.get() > 0 && System.nanoTime() - deadline < 0) {
			LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
		}
	}

	@Override
	public String toString() {
		return "BlockingPool[" + name() + ", threads=" + threads() + "/" + this.settings.maxThreads() + ", queued="
				+ queued() + "/" + this.settings.queueCapacity() + ", active=" + active() + ", tasks=" + this.submitted.get()
				+ ", " + this.threads + "]";
	}

}
