package dev.bridge;

import java.util.concurrent.RejectedExecutionException;

import dev.bridge.pool.PoolFailures;

/**
 * The public exceptions that pools throw on behalf of a {@link BlockingBridge}.
 */
enum BridgeFailures implements PoolFailures {

	INSTANCE;

	@Override
	public RejectedExecutionException saturated(String pool, int maxThreads, int queueCapacity) {
		return BlockingPoolSaturatedException.saturated(pool, maxThreads, queueCapacity);
	}

	@Override
	public RejectedExecutionException shutDown(String pool) {
		return new BlockingBridgeShutdownException(pool);
	}

	@Override
	public RuntimeException failure(String property, String problem, String fix) {
		return new BridgeConfigurationException(property, problem, fix);
	}

}
