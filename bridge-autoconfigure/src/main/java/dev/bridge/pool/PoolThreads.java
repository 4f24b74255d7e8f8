package dev.bridge.pool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the threads of one pool, so that it can tell, without a lock, whether a task will
 * find an idle thread or needs a new one, and so that every thread is created for a
 * reservation made below the maximum.
 * <p>
 * A thread counts from its reservation until its end. A thread whose keep-alive ran out
 * is <em>retiring</em>: it still counts towards the maximum, but no longer as a thread that
 * will take a task. Counting it as idle would let a task queue behind busy threads while the
 * pool could still grow.
 */
final class PoolThreads {

	private static final ThreadLocal<PoolThreads> STARTING = new ThreadLocal<>();

	private static final ThreadLocal<PoolThreads> RETIRING = new ThreadLocal<>();

	private final int max;

	/** Threads reserved, starting, or alive. */
	private final AtomicInteger threads = new AtomicInteger();

	/** Threads whose keep-alive ran out and that are leaving. */
	private final AtomicInteger retiring = new AtomicInteger();

	PoolThreads(int max) {
		this.max = max;
	}

	/**
	 * Reserves a new thread for a task unless an idle thread will take it.
	 * @param submitted tasks handed to the pool and not finished, the new one included
	 * @return whether a thread was reserved: the caller must start it or
	 * {@link #release() release} it
	 */
	boolean reserveUnlessIdle(int submitted) {
		for (;;) {
			int current = this.threads.get();
			if (current >= this.max || submitted <= current - this.retiring.get()) {
				return false;
			}
			if (this.threads.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	/**
	 * Reserves a new thread if the pool is below its maximum.
	 * @return whether a thread was reserved
	 */
	boolean reserve() {
		for (;;) {
			int current = this.threads.get();
			if (current >= this.max) {
				return false;
			}
			if (this.threads.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	void release() {
		this.threads.decrementAndGet();
	}

	/**
	 * Threads that run a task or will take one.
	 * @return the count
	 */
	int live() {
		return this.threads.get() - this.retiring.get();
	}

	/**
	 * Runs an action that creates the reserved thread; only such an action may create one.
	 * @param action the action
	 */
	void starting(Runnable action) {
		STARTING.set(this);
		try {
			action.run();
		}
		finally {
			STARTING.remove();
		}
	}

	/**
	 * Whether the calling thread may create a thread for this pool now, that is, runs
	 * {@link #starting(Runnable)}. The executor creates threads on its own too (to replace
	 * one that left); those are refused, the pool replaces its threads itself.
	 * @return whether a reserved thread is being started
	 */
	boolean isStarting() {
		return STARTING.get() == this;
	}

	/**
	 * Counts a thread created without a reservation, while the executor drains at
	 * shutdown.
	 */
	void addUnreserved() {
		this.threads.incrementAndGet();
	}

	/**
	 * The calling pool thread's keep-alive ran out: it no longer counts as a taker.
	 */
	void retire() {
		this.retiring.incrementAndGet();
		RETIRING.set(this);
	}

	/**
	 * The calling pool thread takes tasks again (it found one, or the executor kept it).
	 */
	void unretire() {
		if (RETIRING.get() == this) {
			RETIRING.remove();
			this.retiring.decrementAndGet();
		}
	}

	/**
	 * The calling pool thread ends.
	 */
	void ended() {
		this.threads.decrementAndGet();
		unretire();
	}

	@Override
	public String toString() {
		return "threads=" + this.threads.get() + ", retiring=" + this.retiring.get();
	}

}
