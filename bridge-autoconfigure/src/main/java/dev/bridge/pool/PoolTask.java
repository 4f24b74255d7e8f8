package dev.bridge.pool;

import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import reactor.core.Disposable;

/**
 * One task on a pool. Disposing it before it starts removes it from the queue, so it never
 * runs; disposing it while it runs interrupts the thread when the pool says so. A task
 * disposed from its own thread (a subscriber completing inside the task) is not a
 * cancellation.
 */
class PoolTask extends FutureTask<Void> implements Disposable {

	private final BlockingPool pool;

	private final @Nullable Consumer<RuntimeException> abandonAction;

	private final @Nullable Disposable owner;

	/** When the task was handed to the pool: the start of its queue wait. */
	private final long handedOverAt = System.nanoTime();

	private volatile Thread runner;

	private final AtomicBoolean released = new AtomicBoolean();

	/**
	 * Whether a thread was reserved for this task, which the executor must start for it
	 * rather than queue it; see {@link PoolQueue}.
	 */
	volatile boolean startsThread;

	PoolTask(BlockingPool pool, Runnable task, @Nullable Consumer<RuntimeException> abandonAction,
			@Nullable Disposable owner) {
		super(task, null);
		this.pool = pool;
		this.abandonAction = abandonAction;
		this.owner = owner;
	}

	boolean isOwnerDisposed() {
		return this.owner != null && this.owner.isDisposed();
	}

	@Override
	public void run() {
		if (isDone()) {
			// Cancelled while a worker was already taking it off the queue: it will not run,
			// so it has neither a wait nor a run time.
			release();
			return;
		}
		this.runner = Thread.currentThread();
		long startedAt = this.pool.taskStarting(this.handedOverAt);
		try {
			super.run();
		}
		finally {
			this.runner = null;
			this.pool.taskFinished(startedAt);
			release();
		}
	}

	/**
	 * Tells the pool, once, that this task no longer holds a place (it finished, or left the
	 * queue without running).
	 */
	void release() {
		if (this.released.compareAndSet(false, true)) {
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
