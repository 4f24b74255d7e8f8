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

	private final String pool;

	public BlockingBridgeShutdownException(String pool) {
		super("Blocking pool '" + pool + "' is shut down (the application is closing) and accepts no new work");
		this.pool = pool;
	}

	public String getPool() {
		return this.pool;
	}

}
