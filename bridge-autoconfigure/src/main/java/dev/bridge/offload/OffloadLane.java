package dev.bridge.offload;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolAccess;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The one Reactor worker of one offloaded call: its tasks (the subscription, then the
 * request hops of a stream) run one at a time, in order, inside a single pool task.
 * <p>
 * A stream keeps that pool task, and so its pool slot, from its subscription until it ends:
 * later demand is served by the same thread, never by a new pool task that a full pool could
 * refuse after the response has started. A refusal can therefore only happen before the
 * call's first item, where it becomes a clean 503. A {@code Mono} gives the slot back as soon
 * as its tasks are done.
 */
final class OffloadLane implements Scheduler.Worker {

	private final BlockingPool pool;

	private final OffloadCall call;

	private final boolean stream;

	private final ReentrantLock lock = new ReentrantLock();

	/** Signalled when a stream's lane gets a task or ends; a Mono's lane never waits. */
	private final @Nullable Condition work;

	/** A Mono's lane rarely holds more than its subscription task. */
	private final ArrayDeque<Runnable> tasks = new ArrayDeque<>(2);

	/** Whether a pool task is queued or running to drain {@link #tasks}. */
	private boolean draining;

	/** Whether the call ended (terminated or cancelled): nothing more will be scheduled. */
	private boolean finished;

	private volatile @Nullable Disposable poolTask;

	OffloadLane(BlockingPool pool, OffloadCall call, boolean stream) {
		this.pool = pool;
		this.call = call;
		this.stream = stream;
		this.work = stream ? this.lock.newCondition() : null;
	}

	/**
	 * This lane as the scheduler of a {@code subscribeOn}: every worker is this lane (a call
	 * has one subscription).
	 * @return the scheduler
	 */
	Scheduler asScheduler() {
		return new Scheduler() {

			@Override
			public Disposable schedule(Runnable task) {
				return OffloadLane.this.schedule(task);
			}

			@Override
			public Worker createWorker() {
				return OffloadLane.this;
			}

		};
	}

	@Override
	public Disposable schedule(Runnable task) {
		this.lock.lock();
		try {
			if (this.finished) {
				throw Exceptions.failWithRejected();
			}
			this.tasks.add(task);
			if (this.draining) {
				signalWork();
				return () -> remove(task);
			}
			this.draining = true;
		}
		finally {
			this.lock.unlock();
		}
		try {
			Runnable drain = this::drain;
			// What a scheduler on the pool would do: Reactor's schedule hook, the call's
			// context around the task, and the call told if the pool abandons it.
			Disposable scheduled = PoolAccess.schedule(this.pool, this.call.decorate(Schedulers.onSchedule(drain)),
					this.call.abandonAction(drain));
			this.poolTask = scheduled;
			// The task may already run, and the call be cancelled, before its handle was
			// recorded: dispose() then found none to cancel, and the body would not be
			// interrupted. One of the two sees the other (both go through the lock).
			if (this.call.isCancelled() && isDisposed()) {
				scheduled.dispose();
			}
		}
		catch (RejectedExecutionException ex) {
			this.lock.lock();
			try {
				this.draining = false;
				this.tasks.remove(task);
			}
			finally {
				this.lock.unlock();
			}
			if (this.call.isCancelled()) {
				// Nobody listens: signalling the refusal would only be logged as dropped.
				return Disposables.disposed();
			}
			throw ex;
		}
		this.call.accepted();
		return () -> remove(task);
	}

	private void remove(Runnable task) {
		this.lock.lock();
		try {
			this.tasks.remove(task);
		}
		finally {
			this.lock.unlock();
		}
	}

	private void drain() {
		boolean done = false;
		try {
			while (true) {
				Runnable next = next();
				if (next == null) {
					done = true;
					return;
				}
				next.run();
			}
		}
		finally {
			if (!done) {
				this.lock.lock();
				try {
					this.draining = false;
				}
				finally {
					this.lock.unlock();
				}
			}
		}
	}

	/**
	 * The next task; for a stream, waits for one until the call ends.
	 * @return the task, or {@code null} when the drain is over (then no longer draining)
	 */
	private @Nullable Runnable next() {
		boolean cut = false;
		this.lock.lock();
		try {
			while (true) {
				Runnable next = this.tasks.poll();
				if (next != null) {
					return next;
				}
				if (this.finished || !this.stream || this.call.isAbandoned()) {
					this.draining = false;
					return null;
				}
				try {
					awaitWork();
				}
				catch (InterruptedException ex) {
					// Unless the call was cancelled (which finishes the lane first), the pool is
					// closing and its drain period is over: the stream is cut short.
					cut = !this.finished;
					this.draining = false;
					this.finished = true;
					Thread.currentThread().interrupt();
					return null;
				}
			}
		}
		finally {
			this.lock.unlock();
			if (cut) {
				this.call.abandonStream();
			}
		}
	}

	/**
	 * Ends the lane: on termination (then its pool task ends by itself) or cancellation
	 * (then the pool task is cancelled: removed from the queue, or interrupted if the pool
	 * says so).
	 */
	@Override
	public void dispose() {
		this.lock.lock();
		try {
			this.finished = true;
			this.tasks.clear();
			signalWork();
		}
		finally {
			this.lock.unlock();
		}
		Disposable task = this.poolTask;
		if (task != null && this.call.isCancelled()) {
			task.dispose();
		}
	}

	private void signalWork() {
		if (this.work != null) {
			this.work.signal();
		}
	}

	private void awaitWork() throws InterruptedException {
		if (this.work == null) {
			throw new IllegalStateException("Only a stream's lane waits for work");
		}
		this.work.await();
	}

	@Override
	public boolean isDisposed() {
		this.lock.lock();
		try {
			return this.finished;
		}
		finally {
			this.lock.unlock();
		}
	}

}
