package dev.bridge;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

import dev.bridge.offload.OffloadFailures;

/**
 * The public exceptions that pools and offloaded calls deliver on behalf of a
 * {@link BlockingBridge}.
 */
enum BridgeFailures implements OffloadFailures {

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

	@Override
	public RuntimeException timedOut(String pool, String call, Duration timeout) {
		return new BlockingTimeoutException(pool, call, timeout);
	}

	@Override
	public RuntimeException fatal(String pool, String call, Error error) {
		return new BlockingFatalErrorException(pool, call, error);
	}

	@Override
	public boolean isRefusal(Throwable ex) {
		return ex instanceof BlockingPoolSaturatedException || ex instanceof BlockingBridgeShutdownException;
	}

}
