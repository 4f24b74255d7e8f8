package dev.bridge;

import java.util.Collection;

/**
 * A pool name that no {@code bridge.pools.*} entry defines.
 */
public class UnknownBlockingPoolException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception whose message lists the configured pools.
	 * @param pool the unknown pool name
	 * @param known the names of the configured pools
	 */
	public UnknownBlockingPoolException(String pool, Collection<String> known) {
		super("No blocking pool named '" + pool + "'; configured pools are " + known + ". Define it with bridge.pools."
				+ pool + ".max-threads=... or use one of the configured names");
	}

}
