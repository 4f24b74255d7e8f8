package dev.bridge.pool;

import java.util.concurrent.RejectedExecutionException;

import dev.bridge.settings.SettingFailures;

/**
 * Makes the exceptions a pool throws when it refuses a task or cannot be created. The
 * pool's owner supplies them, so that callers receive the public exception types without
 * this package depending on them.
 */
public interface PoolFailures extends SettingFailures {

	/**
	 * The exception for a task refused because all threads are busy and the queue is full.
	 * @param pool the pool's name
	 * @param maxThreads the pool's thread bound
	 * @param queueCapacity the pool's queue bound
	 * @return the exception to throw
	 */
	RejectedExecutionException saturated(String pool, int maxThreads, int queueCapacity);

	/**
	 * The exception for a task refused because the pool is shut down.
	 * @param pool the pool's name
	 * @return the exception to throw
	 */
	RejectedExecutionException shutDown(String pool);

}
