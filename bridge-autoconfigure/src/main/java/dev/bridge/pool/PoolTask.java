package dev.bridge.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import reactor.core.Disposable;

/**
 * One task on a pool. Disposing it before it starts removes it from the queue, so it never
 * runs; disposing it while it runs interrupts the thread when the pool says so. A task
 * disposed from its own thread (a subscriber completing inside the task) is not a
 * cancellation.
 * <p>
 * It keeps its own state rather than extend {@code FutureTask} (which it did): nothing reads
 * a result, and the task then runs two frames higher (no {@code FutureTask.run}, no
 * {@code Executors.RunnableAdapter}), which a handler parked on a virtual thread keeps on the
 * heap for as long as it waits. The cancellation rules are {@code FutureTask}'s: a cancelled
 * task that has not started never runs; one that runs is interrupted only by a cancellation
 * that asks for it, and that interrupt lands before the task counts as ended, never on what
 * the thread runs next. What a task throws is logged (nothing reads a result to find it), and
 * the thread goes on to the pool's next task.
 */
class PoolTask implements Runnable, Disposable {

	private static final Log logger = LogFactory.getLog(PoolTask.class);

	private static final int NEW = 0;

	private static final int RUNNING = 1;

	private static final int COMPLETED = 2;

	private static final int CANCELLED = 3;

	private static final int INTERRUPTING = 4;

	private static final int INTERRUPTED = 5;

	private static final VarHandle STATE;

	private static final VarHandle RELEASED;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			STATE = lookup.findVarHandle(PoolTask.class, "state", int.class);
			RELEASED = lookup.findVarHandle(PoolTask.class, "released", boolean.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final BlockingPool pool;

	private final Runnable task;

	private final @Nullable Consumer<RuntimeException> abandonAction;

	private final @Nullable Disposable owner;

	/** When the task was handed to the pool: the start of its queue wait. */
	private final long handedOverAt = System.nanoTime();

	/** {@link #NEW} to {@link #INTERRUPTED}; changed through {@link #STATE}. */
	private volatile int state;

	/** The thread running the task; set before the state says so. */
	private volatile @Nullable Thread runner;

	/** Whether the pool was told this task no longer holds a place; through {@link #RELEASED}. */
	@SuppressWarnings("unused")
	private volatile boolean released;

	/**
	 * Whether a thread was reserved for this task, which the executor must start for it
	 * rather than queue it; see {@link PoolQueue}.
	 */
	volatile boolean startsThread;

	PoolTask(BlockingPool pool, Runnable task, @Nullable Consumer<RuntimeException> abandonAction,
			@Nullable Disposable owner) {
		this.pool = pool;
		this.task = task;
		this.abandonAction = abandonAction;
		this.owner = owner;
	}

	boolean isOwnerDisposed() {
		return this.owner != null && this.owner.isDisposed();
	}

	@Override
	public void run() {
		this.runner = Thread.currentThread();
		if (!STATE.compareAndSet(this, NEW, RUNNING)) {
			// Cancelled while a worker was already taking it off the queue: it will not run,
			// so it has neither a wait nor a run time.
			this.runner = null;
			release();
			return;
		}
		long startedAt = this.pool.taskStarting(this.handedOverAt);
		Throwable failure = null;
		try {
			this.task.run();
		}
		catch (Throwable ex) {
			failure = ex;
		}
		finally {
			STATE.compareAndSet(this, RUNNING, COMPLETED);
			this.runner = null;
			// A cancellation that has decided to interrupt this thread does so now, while the
			// task still counts as running, not later, in the next task.
			while (this.state == INTERRUPTING) {
				Thread.yield();
			}
			this.pool.taskFinished(startedAt);
			release();
		}
		if (failure != null) {
			report(failure);
		}
	}

	/**
	 * Logs what a task threw, once it has ended: the tasks handed to a pool handle their own
	 * failures (an offloaded call fails its caller, Reactor's scheduled tasks report theirs),
	 * so this is a failure nothing else would tell of, such as a context-propagation accessor
	 * failing to restore a thread local. The thread lives on to run the pool's next task.
	 */
	private void report(Throwable failure) {
		try {
			logger.error("A task on blocking pool '" + this.pool.name() + "' threw, and nothing else reports it "
					+ "(a ThreadLocalAccessor that cannot restore its value, a task scheduled directly on the "
					+ "pool's scheduler that throws); the pool goes on: fix what the stack trace names", failure);
		}
		catch (Throwable ex) {
			// The log itself failed (out of memory): the pool thread must still live on.
		}
	}

	/**
	 * Whether the task ran to its end or was cancelled.
	 * @return whether it is done
	 */
	boolean isDone() {
		return this.state >= COMPLETED;
	}

	/**
	 * Cancels the task: one that has not started never will; one that runs is interrupted if
	 * asked, and what it produces is of no use to anyone.
	 * @param interrupt whether to interrupt the thread of a running task
	 * @return whether this call cancelled it (it had not ended, nor been cancelled before)
	 */
	boolean cancel(boolean interrupt) {
		for (;;) {
			int current = this.state;
			if (current == NEW) {
				if (STATE.compareAndSet(this, NEW, CANCELLED)) {
					return true;
				}
			}
			else if (current == RUNNING) {
				if (!interrupt) {
					if (STATE.compareAndSet(this, RUNNING, CANCELLED)) {
						return true;
					}
				}
				else if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
					try {
						Thread thread = this.runner;
						if (thread != null) {
							thread.interrupt();
						}
					}
					finally {
						this.state = INTERRUPTED;
					}
					return true;
				}
			}
			else {
				return false;
			}
		}
	}

	/**
	 * Tells the pool, once, that this task no longer holds a place (it finished, or left the
	 * queue without running).
	 */
	void release() {
		if (RELEASED.compareAndSet(this, false, true)) {
			this.pool.released();
		}
	}

	@Override
	public void dispose() {
		if (isDone() || Thread.currentThread() == this.runner) {
			return;
		}
		if (this.pool.removeQueued(this)) {
			release();
			if (cancel(false)) {
				this.pool.cancelled();
			}
			return;
		}
		if (cancel(this.pool.settings().interruptOnCancel())) {
			this.pool.cancelled();
		}
	}

	/**
	 * Takes this task back out of the queue without counting a cancellation, for a worker
	 * task cancelled (and counted) before its turn came.
	 */
	void withdraw() {
		if (this.pool.removeQueued(this)) {
			release();
			cancel(false);
		}
	}

	@Override
	public boolean isDisposed() {
		return isDone();
	}

	/**
	 * Called for a task that will never start: still queued when the pool is shut down for
	 * good, or refused after it was accepted. Lets the caller see the error instead of waiting
	 * forever, where the task knows how.
	 * @param error what the caller is told: the pool's shutdown, or why it refused the task
	 * @return whether the caller was told
	 */
	boolean abandon(RuntimeException error) {
		release();
		if (cancel(false) && this.abandonAction != null) {
			this.abandonAction.accept(error);
			return true;
		}
		return false;
	}

}
