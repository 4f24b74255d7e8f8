package dev.bridge.pool;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The executor of a platform-thread pool. The pool bounds its threads itself: every thread
 * is created for a reservation made below {@code max-threads} (see {@link PoolThreads}), and
 * the pool's thread factory refuses any other. The superclass is therefore given no bound of
 * its own, because its worker count is not only a count of threads: it also counts, for a
 * moment, each worker it tries to add by itself (for a task queued while it counts no worker,
 * or to replace a worker that left while tasks wait) before the factory refuses it. Bounded
 * by {@code max-threads}, such an attempt on one thread made the executor refuse, on
 * another, the reserved thread of a task the pool had already accepted.
 * <p>
 * {@link #getMaximumPoolSize()} still answers {@code max-threads}, for meter binders and the
 * endpoint; the bounds cannot be changed at run time.
 */
final class PlatformPoolExecutor extends ThreadPoolExecutor {

	private final String poolName;

	private final int maxThreads;

	PlatformPoolExecutor(String poolName, int maxThreads, long keepAliveNanos, BlockingQueue<Runnable> queue,
			ThreadFactory threadFactory, RejectedExecutionHandler rejection) {
		super(0, Integer.MAX_VALUE, keepAliveNanos, TimeUnit.NANOSECONDS, queue, threadFactory, rejection);
		this.poolName = poolName;
		this.maxThreads = maxThreads;
	}

	/**
	 * The pool's bound on its threads.
	 * @return {@code max-threads}
	 */
	@Override
	public int getMaximumPoolSize() {
		return this.maxThreads;
	}

	/**
	 * Refused: the bound is a setting of the pool.
	 * @param corePoolSize ignored
	 */
	@Override
	public void setCorePoolSize(int corePoolSize) {
		throw refusedResize();
	}

	/**
	 * Refused: the bound is a setting of the pool.
	 * @param maximumPoolSize ignored
	 */
	@Override
	public void setMaximumPoolSize(int maximumPoolSize) {
		throw refusedResize();
	}

	private UnsupportedOperationException refusedResize() {
		return new UnsupportedOperationException("The threads of blocking pool '" + this.poolName
				+ "' are bounded by its settings and cannot be resized at run time; set bridge.pools." + this.poolName
				+ ".max-threads instead");
	}

}
