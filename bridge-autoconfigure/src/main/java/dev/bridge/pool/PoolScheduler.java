package dev.bridge.pool;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

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

	private final UnaryOperator<Runnable> decorator;

	PoolScheduler(BlockingPool pool, UnaryOperator<Runnable> decorator) {
		this.pool = pool;
		this.decorator = decorator;
	}

	@Override
	public Disposable schedule(Runnable task) {
		return this.pool.execute(this.decorator.apply(Schedulers.onSchedule(task)), abandonActionFor(task), null);
	}

	private @Nullable Runnable abandonActionFor(Runnable task) {
		return (this.decorator instanceof PoolTaskDecorator aware) ? aware.abandonAction(task) : null;
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

	private final class PoolWorker implements Worker {

		private final Disposable.Composite tasks = Disposables.composite();

		@Override
		public Disposable schedule(Runnable task) {
			if (this.tasks.isDisposed()) {
				throw Exceptions.failWithRejected();
			}
			Disposable.Swap slot = Disposables.swap();
			// Tracked before it is queued, so a fast task cannot finish before it is tracked.
			if (!this.tasks.add(slot)) {
				throw Exceptions.failWithRejected();
			}
			Runnable tracked = () -> {
				try {
					task.run();
				}
				finally {
					this.tasks.remove(slot);
				}
			};
			PoolTask poolTask;
			try {
				poolTask = PoolScheduler.this.pool.execute(
						PoolScheduler.this.decorator.apply(Schedulers.onSchedule(tracked)), abandonActionFor(task),
						null);
			}
			catch (RejectedExecutionException ex) {
				this.tasks.remove(slot);
				if (PoolScheduler.this.decorator instanceof PoolTaskDecorator aware && aware.absorbRejection(ex)) {
					return Disposables.disposed();
				}
				throw ex;
			}
			slot.update(poolTask);
			return poolTask;
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

	}

}
