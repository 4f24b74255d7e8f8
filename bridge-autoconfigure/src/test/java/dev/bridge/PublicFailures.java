package dev.bridge;

import dev.bridge.pool.PoolFailures;

/**
 * Gives tests of internal packages the failures a {@link BlockingBridge} hands its pools, so
 * that a pool built directly throws the same public exceptions.
 */
public final class PublicFailures {

	private PublicFailures() {
	}

	public static PoolFailures get() {
		return BridgeFailures.INSTANCE;
	}

}
