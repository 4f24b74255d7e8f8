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

	private final String pool;

	public BlockingPoolSaturatedException(String pool, String message) {
		super(message);
		this.pool = pool;
	}

	public static BlockingPoolSaturatedException saturated(String pool, int maxThreads, int queueCapacity) {
		return new BlockingPoolSaturatedException(pool,
				"Blocking pool '" + pool + "' is saturated: all " + maxThreads + " threads are busy and its queue of "
						+ queueCapacity + " is full; retry later, or raise bridge.pools." + pool
						+ ".max-threads / bridge.pools." + pool + ".queue-capacity");
	}

	public String getPool() {
		return this.pool;
	}

}
