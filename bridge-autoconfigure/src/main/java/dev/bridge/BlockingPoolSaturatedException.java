package dev.bridge;

import java.util.concurrent.RejectedExecutionException;

/**
 * A bounded pool refused a task: all its threads are busy and its queue is full. In a
 * WebFlux application this becomes HTTP 503 with {@code Retry-After}. A pool that refuses
 * work because the application is closing throws {@link BlockingBridgeShutdownException}
 * instead.
 */
public class BlockingPoolSaturatedException extends RejectedExecutionException {

	private static final long serialVersionUID = 1L;

	/** The name of the pool that refused the task. */
	private final String pool;

	/**
	 * Create an exception for a pool that refused a task.
	 * @param pool the name of the pool that refused the task
	 * @param message the detail message
	 */
	public BlockingPoolSaturatedException(String pool, String message) {
		super(message);
		this.pool = pool;
	}

	/**
	 * Create an exception whose message names the pool's limits and the properties that
	 * raise them.
	 * @param pool the name of the pool that refused the task
	 * @param maxThreads the pool's maximum number of threads
	 * @param queueCapacity the capacity of the pool's queue
	 * @return the exception
	 */
	public static BlockingPoolSaturatedException saturated(String pool, int maxThreads, int queueCapacity) {
		return new BlockingPoolSaturatedException(pool,
				"Blocking pool '" + pool + "' is saturated: all " + maxThreads + " threads are busy and its queue of "
						+ queueCapacity + " is full; retry later, or raise bridge.pools." + pool
						+ ".max-threads / bridge.pools." + pool + ".queue-capacity");
	}

	/**
	 * The pool that refused the task.
	 * @return the pool name
	 */
	public String getPool() {
		return this.pool;
	}

}
