package dev.bridge.offload;

import java.time.Duration;

import dev.bridge.pool.PoolFailures;

/**
 * Makes the exceptions an offloaded call delivers to its caller, besides a pool's refusals.
 * The bridge supplies them, so that callers receive the public exception types without this
 * package depending on them.
 */
public interface OffloadFailures extends PoolFailures {

	/**
	 * The exception for a call that did not complete within its timeout.
	 * @param pool the pool's name
	 * @param call name of the call
	 * @param timeout the timeout that ran out
	 * @return the exception to deliver
	 */
	RuntimeException timedOut(String pool, String call, Duration timeout);

	/**
	 * The exception that carries an error Reactor treats as fatal to the JVM (it would throw
	 * it instead of signalling it) to the caller.
	 * @param pool the pool's name
	 * @param call name of the call
	 * @param error the fatal error
	 * @return the exception to deliver
	 */
	RuntimeException fatal(String pool, String call, Error error);

	/**
	 * Whether an exception is one of the pool's own refusals, made by
	 * {@link #saturated(String, int, int)} or {@link #shutDown(String)}.
	 * @param ex the exception
	 * @return {@code true} for a refusal made here
	 */
	boolean isRefusal(Throwable ex);

}
