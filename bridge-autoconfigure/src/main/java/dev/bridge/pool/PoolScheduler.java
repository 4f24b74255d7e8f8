package dev.bridge.pool;

import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

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

	private static final Runnable NOTHING = () -> {
	};

	private final BlockingPool pool;

	private final UnaryOperator<Runnable> decorator;

	PoolScheduler(BlockingPool pool, UnaryOperator<Runnable> decorator) {
		this.pool = pool;
		this.decorator = decorator;
	}

	@Override
	public Disposable schedule(Runnable task) {
		return this.pool.execute(this.decorator.apply(Schedulers.onSchedule(task)), abandonActionFor(task));
	}

	private Runnable abandonActionFor(Runnable task) {
		return (this.decorator instanceof PoolTaskDecorator aware) ? aware.abandonAction(task) : NOTHING;
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
			PoolTask[] holder = new PoolTask[1];
			Runnable tracked = () -> {
				try {
					task.run();
				}
				finally {
					PoolTask self = holder[0];
					if (self != null) {
						this.tasks.remove(self);
					}
				}
			};
			PoolTask poolTask = PoolScheduler.this.pool.execute(
					PoolScheduler.this.decorator.apply(Schedulers.onSchedule(tracked)), abandonActionFor(task));
			holder[0] = poolTask;
			if (!poolTask.isDone()) {
				this.tasks.add(poolTask);
			}
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
