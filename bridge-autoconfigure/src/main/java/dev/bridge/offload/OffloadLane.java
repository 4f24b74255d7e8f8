package dev.bridge.offload;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;

/**
 * The one Reactor worker of one offloaded stream ({@code Flux}): its tasks (the
 * subscription, then the request hops) run one at a time, in order, inside a single pool
 * task.
 * <p>
 * The stream keeps that pool task, and so its pool slot, from its subscription until it
 * ends: later demand is served by the same thread, never by a new pool task that a full pool
 * could refuse after the response has started. A refusal can therefore only happen before
 * the call's first item, where it becomes a clean 503. (A call with one value has no lane:
 * see {@code OffloadOperators.single}.)
 */
final class OffloadLane implements Scheduler.Worker {

	private final OffloadCall call;

	private final ReentrantLock lock = new ReentrantLock();

	/** Signalled when the lane gets a task or ends. */
	private final Condition work = this.lock.newCondition();

	private final ArrayDeque<Runnable> tasks = new ArrayDeque<>(2);

	/** Whether a pool task is queued or running to drain {@link #tasks}. */
	private boolean draining;

	/** Whether the call ended (terminated or cancelled): nothing more will be scheduled. */
	private boolean finished;

	private volatile @Nullable Disposable poolTask;

	OffloadLane(OffloadCall call) {
		this.call = call;
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
				this.work.signal();
				return () -> remove(task);
			}
			this.draining = true;
		}
		finally {
			this.lock.unlock();
		}
		try {
			Disposable scheduled = this.call.schedule(this::drain);
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
	 * The next task; waits for one until the call ends.
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
				if (this.finished || this.call.isAbandoned()) {
					this.draining = false;
					return null;
				}
				try {
					this.work.await();
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
			this.work.signal();
		}
		finally {
			this.lock.unlock();
		}
		Disposable task = this.poolTask;
		if (task != null && this.call.isCancelled()) {
			task.dispose();
		}
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
