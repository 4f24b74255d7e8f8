package dev.bridge.pool;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Reactor view of a {@link BlockingPool}. Tasks are not time-capable (a blocking pool is
 * not a timer): delayed and periodic scheduling are refused, as with
 * {@code Schedulers.fromExecutor}.
 */
final class PoolScheduler implements Scheduler {

	private final BlockingPool pool;

	PoolScheduler(BlockingPool pool) {
		this.pool = pool;
	}

	@Override
	public Disposable schedule(Runnable task) {
		return this.pool.execute(Schedulers.onSchedule(task), null, null);
	}

	@Override
	public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
		throw Exceptions.failWithRejectedNotTimeCapable();
	}

	@Override
	public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
		throw Exceptions.failWithRejectedNotTimeCapable();
	}

	@Override
	public Worker createWorker() {
		return new PoolWorker();
	}

	@Override
	public boolean isDisposed() {
		return this.pool.isClosed();
	}

	@Override
	public void dispose() {
		// The pool belongs to the BlockingBridge, which shuts it down with the context.
	}

	@Override
	public void init() {
	}

	@Override
	public String toString() {
		return "bridge." + this.pool.name();
	}

	/**
	 * A worker runs its tasks one at a time, in the order they were scheduled, as Reactor
	 * requires of a worker (and {@code subscribeOn} relies on, so that its request hops
	 * never run concurrently); different workers run in parallel. Each task still takes its
	 * place in the pool when it is scheduled (so the bound and saturation apply to it as to
	 * any task): a <em>turn</em> on the pool. The first turn to run drains the worker's tasks
	 * in order, trampolined like {@code Schedulers.fromExecutor(executor, true)}; a turn
	 * that finds the worker draining returns at once.
	 */
	private final class PoolWorker implements Worker {

		private final Queue<WorkerTask> pending = new ConcurrentLinkedQueue<>();

		private final AtomicInteger wip = new AtomicInteger();

		private final Disposable.Composite tasks = Disposables.composite();

		@Override
		public Disposable schedule(Runnable task) {
			if (this.tasks.isDisposed()) {
				throw Exceptions.failWithRejected();
			}
			WorkerTask workerTask = new WorkerTask(Schedulers.onSchedule(task));
			// Tracked before it is queued, so a fast task cannot finish before it is tracked.
			if (!this.tasks.add(workerTask)) {
				throw Exceptions.failWithRejected();
			}
			this.pending.offer(workerTask);
			try {
				workerTask.turn = PoolScheduler.this.pool.execute(this::drain, null, null);
			}
			catch (RejectedExecutionException ex) {
				if (!workerTask.withdraw()) {
					// A turn already draining this worker took it: it runs, nothing was refused.
					PoolScheduler.this.pool.refusalWithdrawn();
					return workerTask;
				}
				throw ex;
			}
			return workerTask;
		}

		private void drain() {
			if (this.wip.getAndIncrement() != 0) {
				return;
			}
			int missed = 1;
			for (;;) {
				WorkerTask next;
				while ((next = this.pending.poll()) != null) {
					next.run();
				}
				missed = this.wip.addAndGet(-missed);
				if (missed == 0) {
					return;
				}
			}
		}

		@Override
		public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
			throw Exceptions.failWithRejectedNotTimeCapable();
		}

		@Override
		public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
			throw Exceptions.failWithRejectedNotTimeCapable();
		}

		@Override
		public void dispose() {
			this.tasks.dispose();
		}

		@Override
		public boolean isDisposed() {
			return this.tasks.isDisposed();
		}

		/**
		 * One task of the worker. Disposing it before it runs removes it (and gives back
		 * its place in the pool queue); disposing it while it runs interrupts it when the
		 * pool says so, as for any pool task.
		 */
		private final class WorkerTask extends FutureTask<Void> implements Disposable {

			private volatile @Nullable Thread runner;

			volatile @Nullable PoolTask turn;

			WorkerTask(Runnable task) {
				super(task, null);
			}

			@Override
			public void run() {
				if (isDone()) {
					return;
				}
				this.runner = Thread.currentThread();
				try {
					super.run();
				}
				finally {
					this.runner = null;
					PoolWorker.this.tasks.remove(this);
					if (isCancelled()) {
						// The interrupt of a cancellation belongs to this task, not the next one.
						Thread.interrupted();
					}
				}
			}

			@Override
			public void dispose() {
				if (isDone() || Thread.currentThread() == this.runner) {
					return;
				}
				if (cancel(PoolScheduler.this.pool.settings().interruptOnCancel())) {
					PoolScheduler.this.pool.cancelled();
					PoolWorker.this.tasks.remove(this);
					PoolTask turn = this.turn;
					if (turn != null) {
						turn.withdraw();
					}
				}
			}

			@Override
			public boolean isDisposed() {
				return isDone();
			}

			/**
			 * Takes this task back before it ran, for a refused turn.
			 * @return whether it was taken back (it had not started)
			 */
			boolean withdraw() {
				PoolWorker.this.tasks.remove(this);
				return cancel(false);
			}

		}

	}

}
