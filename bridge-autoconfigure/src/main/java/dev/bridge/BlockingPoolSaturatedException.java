package dev.bridge;

import java.util.concurrent.RejectedExecutionException;

/**
 * A bounded pool refused a task: all its threads are busy and its queue is full, or it is
 * shutting down. In a WebFlux application this becomes HTTP 503 with {@code Retry-After}.
 */
public class BlockingPoolSaturatedException extends RejectedExecutionException {

	private static final long serialVersionUID = 1L;

	private final String pool;

	private final boolean shuttingDown;

	public BlockingPoolSaturatedException(String pool, String message, boolean shuttingDown) {
		super(message);
		this.pool = pool;
		this.shuttingDown = shuttingDown;
	}

	public static BlockingPoolSaturatedException saturated(String pool, int maxThreads, int queueCapacity) {
		return new BlockingPoolSaturatedException(pool,
				"Blocking pool '" + pool + "' is saturated: all " + maxThreads + " threads are busy and its queue of "
						+ queueCapacity + " is full; retry later, or raise bridge.pools." + pool
						+ ".max-threads / bridge.pools." + pool + ".queue-capacity",
				false);
	}

	public static BlockingPoolSaturatedException shutDown(String pool) {
		return new BlockingPoolSaturatedException(pool, "Blocking pool '" + pool
				+ "' is shut down (the application is closing) and accepts no new work", true);
	}

	public String getPool() {
		return this.pool;
	}

	/**
	 * Whether the task was refused because the pool is shutting down rather than full.
	 * @return {@code true} when shutting down
	 */
	public boolean isShuttingDown() {
		return this.shuttingDown;
	}

}
