package dev.bridge.offload;

import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * Finds the {@link Offloader} of a bridge, for Bridge's own integrations (the
 * {@code @Blocking} aspect, the WebFlux integration), so that the bridge's public type
 * keeps only what applications call. The bridge installs the lookup when its class is
 * initialised, which has happened by the time anything holds a bridge.
 */
public final class Offloaders {

	private static volatile @Nullable Function<Object, Offloader> lookup;

	private Offloaders() {
	}

	/**
	 * Installs the lookup, once.
	 * @param bridgeLookup finds a bridge's pipeline
	 * @throws IllegalStateException if a lookup is already installed
	 */
	public static synchronized void install(Function<Object, Offloader> bridgeLookup) {
		if (lookup != null) {
			throw new IllegalStateException("The offload pipeline lookup is already installed");
		}
		lookup = Objects.requireNonNull(bridgeLookup);
	}

	/**
	 * The offload pipeline of a bridge.
	 * @param bridge the {@code BlockingBridge}
	 * @return its pipeline
	 */
	public static Offloader of(Object bridge) {
		Objects.requireNonNull(bridge, "bridge must not be null");
		Function<Object, Offloader> installed = lookup;
		if (installed == null) {
			throw new IllegalStateException("No offload pipeline lookup is installed");
		}
		return installed.apply(bridge);
	}

}
