package dev.bridge;

import java.time.Duration;

/**
 * A blocking call did not complete within its timeout. The task was cancelled: removed from
 * the queue if it had not started, interrupted if it was running and the pool has
 * {@code interrupt-on-cancel} set.
 */
public class BlockingTimeoutException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String pool;

	private final Duration timeout;

	public BlockingTimeoutException(String pool, String call, Duration timeout) {
		super("Blocking call " + call + " on pool '" + pool + "' did not complete within " + timeout
				+ "; raise @Blocking(timeout = ...) or bridge.pools." + pool + ".timeout, or make the call faster");
		this.pool = pool;
		this.timeout = timeout;
	}

	public String getPool() {
		return this.pool;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

}
