package dev.bridge.eventloop;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import reactor.core.Disposable;
import reactor.core.Scannable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The workers of a Reactor scheduler whose threads are event loops, by default
 * {@link Schedulers#parallel()}: every worker of it runs on one
 * {@link reactor.core.scheduler.NonBlocking} thread, where blocking stalls all the timers,
 * timeouts and {@code publishOn} work queued there.
 * <p>
 * A Reactor scheduler hands out workers round-robin and offers no way to address a given
 * thread, so this source holds one worker per thread of the scheduler and replaces a worker
 * that turns out to share its thread with another ({@link #sameThreadAsAnother}). It follows
 * the scheduler when it is disposed and replaced ({@code Schedulers.shutdownNow()}).
 */
public final class ParallelSchedulerLoopSource implements EventLoopSource {

	/**
	 * The group name of {@link Schedulers#parallel()}'s workers.
	 */
	public static final String GROUP = "parallel";

	private final String group;

	private final Supplier<Scheduler> scheduler;

	// only touched by the watchdog thread
	private @Nullable Scheduler current;

	private List<Executor> loops = List.of();

	/**
	 * A source for the workers of {@link Schedulers#parallel()}.
	 */
	public ParallelSchedulerLoopSource() {
		this(GROUP, Schedulers::parallel);
	}

	/**
	 * A source for the workers of the scheduler that {@code scheduler} returns; it is asked
	 * again before every probe round, so that a replaced scheduler is followed.
	 * @param group the group name
	 * @param scheduler supplies the scheduler
	 */
	public ParallelSchedulerLoopSource(String group, Supplier<Scheduler> scheduler) {
		this.group = Objects.requireNonNull(group, "group must not be null");
		this.scheduler = Objects.requireNonNull(scheduler, "scheduler must not be null");
	}

	@Override
	public String group() {
		return this.group;
	}

	@Override
	public List<Executor> loops() {
		Scheduler scheduler = this.scheduler.get();
		if (scheduler != this.current || scheduler.isDisposed()) {
			dispose();
			if (scheduler.isDisposed()) {
				return this.loops;
			}
			int size = size(scheduler);
			List<Executor> workers = new ArrayList<>(size);
			for (int i = 0; i < size; i++) {
				workers.add(new WorkerLoop(scheduler));
			}
			this.current = scheduler;
			this.loops = Collections.unmodifiableList(workers);
		}
		return this.loops;
	}

	@Override
	public void sameThreadAsAnother(Executor loop) {
		Scheduler scheduler = this.current;
		int index = this.loops.indexOf(loop);
		if (scheduler == null || index < 0) {
			return;
		}
		((WorkerLoop) loop).dispose();
		List<Executor> workers = new ArrayList<>(this.loops);
		workers.set(index, new WorkerLoop(scheduler));
		this.loops = Collections.unmodifiableList(workers);
	}

	@Override
	public void dispose() {
		this.loops.forEach((loop) -> ((WorkerLoop) loop).dispose());
		this.loops = List.of();
		this.current = null;
	}

	private static int size(Scheduler scheduler) {
		Object capacity = Scannable.from(scheduler).scan(Scannable.Attr.CAPACITY);
		return (capacity instanceof Integer size && size > 0) ? size : Schedulers.DEFAULT_POOL_SIZE;
	}

	@Override
	public String toString() {
		return "ParallelSchedulerLoopSource[" + this.group + "]";
	}

	/**
	 * One worker of the scheduler, bound to one of its threads for its whole life.
	 */
	private static final class WorkerLoop implements Executor, Disposable {

		private final Scheduler scheduler;

		private final Scheduler.Worker worker;

		WorkerLoop(Scheduler scheduler) {
			this.scheduler = scheduler;
			this.worker = scheduler.createWorker();
		}

		@Override
		public void execute(Runnable command) {
			this.worker.schedule(command);
		}

		@Override
		public void dispose() {
			this.worker.dispose();
		}

		@Override
		public boolean isDisposed() {
			return this.worker.isDisposed() || this.scheduler.isDisposed();
		}

	}

}
