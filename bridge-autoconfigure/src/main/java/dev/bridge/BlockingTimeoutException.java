package dev.bridge;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.bridge.settings.DurationText;

/**
 * A blocking call did not complete within its timeout. The task was cancelled: removed from
 * the queue if it had not started, interrupted if it was running and the pool has
 * {@code interrupt-on-cancel} set.
 */
public class BlockingTimeoutException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The name of the pool the call ran on; {@code null} for {@code blockOn}. */
	private final @Nullable String pool;

	/** The timeout that ran out. */
	private final Duration timeout;

	/**
	 * Create an exception for a call on a pool that did not complete in time.
	 * @param pool the name of the pool the call ran on
	 * @param call a description of the call, such as the method name
	 * @param timeout the timeout that ran out
	 */
	public BlockingTimeoutException(String pool, String call, Duration timeout) {
		this(pool, timeout, "Blocking call " + call + " on pool '" + pool + "' did not complete within "
				+ DurationText.print(timeout) + "; raise @Blocking(timeout = ...) or bridge.pools." + pool + ".timeout, or make the call faster");
	}

	private BlockingTimeoutException(@Nullable String pool, Duration timeout, String message) {
		super(message);
		this.pool = pool;
		this.timeout = timeout;
	}

	/**
	 * The wait of {@code BlockingBridge.blockOn} ran out.
	 * @param timeout the wait
	 * @return the exception
	 */
	public static BlockingTimeoutException forBlockOn(Duration timeout) {
		return new BlockingTimeoutException(null, timeout, "BlockingBridge.blockOn(mono, "
				+ DurationText.print(timeout) + ") gave up waiting after " + DurationText.print(timeout) + "; the Mono was cancelled. Pass a longer timeout, or find "
				+ "out why the Mono is slow");
	}

	/**
	 * The pool the call ran on; {@code null} for {@code blockOn}.
	 * @return the pool name
	 */
	public @Nullable String getPool() {
		return this.pool;
	}

	/**
	 * The timeout that ran out.
	 * @return the timeout
	 */
	public Duration getTimeout() {
		return this.timeout;
	}

}
