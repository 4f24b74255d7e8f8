package dev.bridge.eventloop;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import reactor.core.Disposable;

/**
 * Loops and clocks that tests control.
 */
final class TestLoops {

	private TestLoops() {
	}

	static final Clock WALL = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

	static EventLoopSource source(String group, Executor... loops) {
		List<Executor> list = List.of(loops);
		return new EventLoopSource() {

			@Override
			public String group() {
				return group;
			}

			@Override
			public List<Executor> loops() {
				return list;
			}

		};
	}

	/**
	 * A loop on a real thread with the given name.
	 */
	static ExecutorService loopThread(String name) {
		return Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			return thread;
		});
	}

	/**
	 * Waits until the loop has run everything posted to it so far.
	 */
	static void flush(ExecutorService loop) throws Exception {
		loop.submit(() -> {
		}).get(5, TimeUnit.SECONDS);
	}

	/**
	 * Machine figures that tests set.
	 */
	static final class FixedMachine extends MachineLoad {

		volatile int cores = 2;

		volatile int runnable = 1;

		volatile double cpuLoad = 0.2;

		volatile long gcPauseMillis;

		@Override
		int cores() {
			return this.cores;
		}

		@Override
		double cpuLoad() {
			return this.cpuLoad;
		}

		@Override
		long processCpuNanos() {
			return -1;
		}

		@Override
		int runnable() {
			return this.runnable;
		}

		@Override
		long gcPauseMillis() {
			return this.gcPauseMillis;
		}

	}

	/**
	 * A clock in milliseconds that only moves when told.
	 */
	static final class FakeClock implements LongSupplier {

		private final AtomicLong nanos = new AtomicLong();

		void setMillis(long millis) {
			this.nanos.set(TimeUnit.MILLISECONDS.toNanos(millis));
		}

		@Override
		public long getAsLong() {
			return this.nanos.get();
		}

	}

	/**
	 * A loop whose tasks run only when the test says so, on the test's thread.
	 */
	static final class ManualLoop implements Executor, Disposable {

		private final Deque<Runnable> tasks = new ArrayDeque<>();

		private volatile boolean disposed;

		@Override
		public synchronized void execute(Runnable command) {
			this.tasks.add(command);
		}

		synchronized void runAll() {
			while (!this.tasks.isEmpty()) {
				this.tasks.poll().run();
			}
		}

		@Override
		public void dispose() {
			this.disposed = true;
		}

		@Override
		public boolean isDisposed() {
			return this.disposed;
		}

	}

}
