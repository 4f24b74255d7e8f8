package dev.bridge.demo.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;

/**
 * The demo's settings, read synchronously from a properties file in {@code main} before the
 * application starts: the "synchronous setup" side of the bridge, where blocking is fine
 * because no event loop exists yet.
 * <p>
 * The file is {@value #FILE_NAME} in the working directory, or the file named by
 * {@code --demo.config=<path>}, the {@code demo.config} system property or the
 * {@code DEMO_CONFIG} environment variable. Its keys are the Spring property names the
 * application binds ({@link DemoProperties}), so a value can be found by grepping one name.
 *
 * @param file the file the settings came from, absolute
 * @param apiKey key sent to the user API ({@value #API_KEY})
 * @param upstreamBaseUrl base URL of the user API, {@code null} for the one built into the demo
 * ({@value #UPSTREAM_BASE_URL})
 * @param upstreamTimeout longest wait for the user API ({@value #UPSTREAM_TIMEOUT})
 * @param upstreamDelay latency of the built-in user API ({@value #UPSTREAM_DELAY})
 */
public record DemoConfig(Path file, String apiKey, @Nullable URI upstreamBaseUrl, Duration upstreamTimeout,
		Duration upstreamDelay) {

	/**
	 * Name of the file looked up in the working directory.
	 */
	public static final String FILE_NAME = "demo.properties";

	/**
	 * Property (command-line argument or system property) naming another file.
	 */
	public static final String LOCATION_PROPERTY = "demo.config";

	/**
	 * Environment variable naming another file.
	 */
	public static final String LOCATION_VARIABLE = "DEMO_CONFIG";

	/** Required: key the user API expects. */
	public static final String API_KEY = "demo.api-key";

	/** Optional: base URL of the user API; empty for the built-in one. */
	public static final String UPSTREAM_BASE_URL = "demo.upstream.base-url";

	/** Optional: longest wait for the user API. */
	public static final String UPSTREAM_TIMEOUT = "demo.upstream.timeout";

	/** Optional: latency of the built-in user API. */
	public static final String UPSTREAM_DELAY = "demo.upstream.delay";

	/** Timeout when the file does not set one. */
	public static final Duration DEFAULT_UPSTREAM_TIMEOUT = Duration.ofSeconds(2);

	/** Built-in user API latency when the file does not set one. */
	public static final Duration DEFAULT_UPSTREAM_DELAY = Duration.ofMillis(50);

	private static final List<String> KEYS = List.of(API_KEY, UPSTREAM_BASE_URL, UPSTREAM_TIMEOUT, UPSTREAM_DELAY);

	/**
	 * Finds the config file: an explicit location wins over {@value #FILE_NAME} in the working
	 * directory.
	 * @param args the command-line arguments
	 * @param environment the process environment
	 * @param workingDirectory the working directory
	 * @return the absolute path of the file, which may not exist
	 */
	public static Path locate(String[] args, Map<String, String> environment, Path workingDirectory) {
		String explicit = null;
		String prefix = "--" + LOCATION_PROPERTY + "=";
		for (String arg : args) {
			if (arg.startsWith(prefix)) {
				explicit = arg.substring(prefix.length());
			}
		}
		if (explicit == null) {
			explicit = System.getProperty(LOCATION_PROPERTY);
		}
		if (explicit == null) {
			explicit = environment.get(LOCATION_VARIABLE);
		}
		Path file = (explicit != null && !explicit.isBlank()) ? workingDirectory.resolve(explicit.trim())
				: workingDirectory.resolve(FILE_NAME);
		return file.toAbsolutePath().normalize();
	}

	/**
	 * Reads and checks the config file.
	 * @param file the file
	 * @return the settings
	 * @throws DemoConfigException if the file is missing, unreadable, has an unknown key or
	 * a value the demo cannot use
	 */
	public static DemoConfig load(Path file) {
		Path absolute = file.toAbsolutePath().normalize();
		Properties properties = read(absolute);
		TreeSet<String> unknown = new TreeSet<>(properties.stringPropertyNames());
		unknown.removeAll(KEYS);
		if (!unknown.isEmpty()) {
			String key = unknown.first();
			throw new DemoConfigException(absolute, key,
					"unknown key " + key + "; the known keys are " + KEYS + " (check the spelling)");
		}
		String apiKey = properties.getProperty(API_KEY);
		if (apiKey == null) {
			throw new DemoConfigException(absolute, API_KEY,
					"required key " + API_KEY + " is missing; add a line " + API_KEY + "=<key of the user API>");
		}
		if (apiKey.isBlank()) {
			throw new DemoConfigException(absolute, API_KEY,
					API_KEY + " is empty; give it a value, " + API_KEY + "=<key of the user API>");
		}
		return new DemoConfig(absolute, apiKey.trim(), baseUrl(absolute, properties),
				duration(absolute, properties, UPSTREAM_TIMEOUT, DEFAULT_UPSTREAM_TIMEOUT, false),
				duration(absolute, properties, UPSTREAM_DELAY, DEFAULT_UPSTREAM_DELAY, true));
	}

	private static Properties read(Path file) {
		Properties properties = new Properties();
		try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			properties.load(reader);
			return properties;
		}
		catch (NoSuchFileException ex) {
			throw new DemoConfigException(file, API_KEY, "not found; create it with a line " + API_KEY
					+ "=<key of the user API>, or point --" + LOCATION_PROPERTY + "=<file> at an existing one");
		}
		catch (CharacterCodingException ex) {
			throw new DemoConfigException(file, API_KEY, "is not UTF-8 text; save it as UTF-8");
		}
		catch (IllegalArgumentException ex) {
			// Properties.load refuses only bad \\uXXXX escapes; it does not say which line.
			throw new DemoConfigException(file, API_KEY,
					"is malformed (" + ex.getMessage() + "); fix the backslash escape in it");
		}
		catch (IOException ex) {
			throw new DemoConfigException(file, API_KEY, "cannot be read (" + ex + "); check its permissions");
		}
	}

	private static @Nullable URI baseUrl(Path file, Properties properties) {
		String value = properties.getProperty(UPSTREAM_BASE_URL, "").trim();
		if (value.isEmpty()) {
			return null;
		}
		String fix = "write it like http://localhost:9000/api, or leave it empty for the built-in user API";
		URI uri;
		try {
			uri = new URI(value);
		}
		catch (URISyntaxException ex) {
			throw new DemoConfigException(file, UPSTREAM_BASE_URL,
					UPSTREAM_BASE_URL + "=" + value + " is not a URL (" + ex.getReason() + "); " + fix);
		}
		if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
				|| uri.getHost() == null) {
			throw new DemoConfigException(file, UPSTREAM_BASE_URL,
					UPSTREAM_BASE_URL + "=" + value + " is not an absolute http(s) URL; " + fix);
		}
		return uri;
	}

	private static Duration duration(Path file, Properties properties, String key, Duration fallback,
			boolean zeroAllowed) {
		String value = properties.getProperty(key, "").trim();
		if (value.isEmpty()) {
			return fallback;
		}
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(value);
		}
		catch (IllegalArgumentException ex) {
			throw new DemoConfigException(file, key,
					key + "=" + value + " is not a duration; write it like 500ms or 2s, or remove the line");
		}
		if (duration.isNegative() || (!zeroAllowed && duration.isZero())) {
			throw new DemoConfigException(file, key, key + "=" + value + " must be "
					+ (zeroAllowed ? "positive or zero" : "strictly positive") + "; write it like 500ms or 2s");
		}
		return duration;
	}

	/**
	 * The settings as Spring properties, under the same names as in the file.
	 * @return property name to value
	 */
	public Map<String, Object> toProperties() {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put(API_KEY, this.apiKey);
		if (this.upstreamBaseUrl != null) {
			properties.put(UPSTREAM_BASE_URL, this.upstreamBaseUrl.toString());
		}
		properties.put(UPSTREAM_TIMEOUT, this.upstreamTimeout.toString());
		properties.put(UPSTREAM_DELAY, this.upstreamDelay.toString());
		return properties;
	}

	@Override
	public String toString() {
		// The API key is a secret: keep it out of logs.
		return "DemoConfig[file=" + this.file + ", upstreamBaseUrl="
				+ ((this.upstreamBaseUrl != null) ? this.upstreamBaseUrl : "built-in") + ", upstreamTimeout="
				+ this.upstreamTimeout + ", upstreamDelay=" + this.upstreamDelay + "]";
	}

}
