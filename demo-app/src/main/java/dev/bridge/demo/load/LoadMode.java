package dev.bridge.demo.load;

import java.util.Locale;

/**
 * Which legacy route a load calls.
 */
public enum LoadMode {

	/**
	 * {@code /api/legacy/{id}}: the legacy call runs on a {@code bridge-default-*} thread.
	 */
	BRIDGED("/api/legacy/"),

	/**
	 * {@code /naive/legacy/{id}}: the legacy call runs on the event loop that serves the
	 * request, the anti-pattern.
	 */
	NAIVE("/naive/legacy/");

	private final String path;

	LoadMode(String path) {
		this.path = path;
	}

	/**
	 * Path of one call, {@code delayMs} included.
	 * @param id the record id
	 * @param delayMs how long the legacy system takes
	 * @return the path and query
	 */
	String path(int id, long delayMs) {
		return this.path + id + "?delayMs=" + delayMs;
	}

	/**
	 * The route, as the report shows it.
	 * @param delayMs how long the legacy system takes
	 * @return the route with a placeholder for the id
	 */
	String route(long delayMs) {
		return this.path + "{id}?delayMs=" + delayMs;
	}

	@Override
	public String toString() {
		return name().toLowerCase(Locale.ROOT);
	}

}
