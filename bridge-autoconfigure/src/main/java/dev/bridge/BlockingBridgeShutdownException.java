package dev.bridge;

import java.util.concurrent.RejectedExecutionException;

/**
 * A pool refused a task because the bridge is shutting down (the application is closing),
 * not because it is full. In a WebFlux application this becomes HTTP 503 with
 * {@code Retry-After}, like {@link BlockingPoolSaturatedException}: another instance can
 * take the request.
 */
public class BlockingBridgeShutdownException extends RejectedExecutionException {

	private static final long serialVersionUID = 1L;

	/** The name of the pool that refused the task. */
	private final String pool;

	/**
	 * Create an exception for a pool that is shut down.
	 * @param pool the name of the pool that refused the task
	 */
	public BlockingBridgeShutdownException(String pool) {
		super("Blocking pool '" + pool + "' is shut down (the application is closing) and accepts no new work");
		this.pool = pool;
	}

	/**
	 * The pool that refused the task.
	 * @return the pool name
	 */
	public String getPool() {
		return this.pool;
	}

}
