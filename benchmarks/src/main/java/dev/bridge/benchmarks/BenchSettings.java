package dev.bridge.benchmarks;

import java.nio.file.Path;

/**
 * The knobs of a benchmark program, read from {@code -Dbench.*} system properties (the
 * benchmarks pom passes them from Maven properties of the same name).
 *
 * @param results directory the tables are written to
 * @param clients concurrent load clients
 * @param phaseSeconds measured seconds per phase
 * @param warmupSeconds unmeasured seconds before each phase
 * @param pingRate probe requests per second on {@code /api/ping}
 * @param rounds rounds per configuration, where a program alternates configurations
 */
public record BenchSettings(Path results, int clients, int phaseSeconds, int warmupSeconds, int pingRate,
		int rounds) {

	/**
	 * Reads the settings, with defaults for a run of a few minutes on two cores.
	 * @return the settings
	 * @throws IllegalArgumentException naming the property whose value is not a positive
	 * integer
	 */
	public static BenchSettings fromSystemProperties() {
		return new BenchSettings(Path.of(System.getProperty("bench.results", "results")), positive("bench.clients", 64),
				positive("bench.phase-seconds", 12), positive("bench.warmup-seconds", 3),
				positive("bench.ping-rate", 100), positive("bench.rounds", 2));
	}

	/**
	 * Reads a percentage knob that only one program has, such as the soak's share of
	 * disconnecting clients.
	 * @param property the system property
	 * @param fallback the value when the property is unset
	 * @return the percentage, 0 to 100
	 * @throws IllegalArgumentException naming the property whose value is not an integer
	 * from 0 to 100
	 */
	public static int percent(String property, int fallback) {
		String value = System.getProperty(property);
		if (value == null || value.isBlank()) {
			return fallback;
		}
		try {
			int parsed = Integer.parseInt(value.trim());
			if (parsed >= 0 && parsed <= 100) {
				return parsed;
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new IllegalArgumentException("-D" + property + " must be an integer from 0 to 100, was '" + value
				+ "'; for example -D" + property + "=" + fallback);
	}

	private static int positive(String property, int fallback) {
		String value = System.getProperty(property);
		if (value == null || value.isBlank()) {
			return fallback;
		}
		try {
			int parsed = Integer.parseInt(value.trim());
			if (parsed > 0) {
				return parsed;
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new IllegalArgumentException(
				"-D" + property + " must be a strictly positive integer, was '" + value + "'; for example -D" + property
						+ "=" + fallback);
	}

}
