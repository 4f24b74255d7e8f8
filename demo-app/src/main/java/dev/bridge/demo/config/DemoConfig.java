package dev.bridge.demo.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
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
 * The file is the one named by {@code --demo.config=<path>}, the {@code demo.config} system
 * property or the {@code DEMO_CONFIG} environment variable, else {@value #FILE_NAME} in the
 * working directory, else the copy of {@code demo-app/demo.properties} built into the demo
 * ({@value #BUILT_IN_RESOURCE}), so that the jar starts with no arguments from any directory.
 * A named file is never replaced by the built-in one: when it is missing, the demo stops. Its
 * keys are the Spring property names the application binds ({@link DemoProperties}), so a
 * value can be found by grepping one name.
 *
 * @param file the file the settings came from, absolute; {@code null} for the default built
 * into the demo
 * @param apiKey key sent to the user API ({@value #API_KEY})
 * @param upstreamBaseUrl base URL of the user API, {@code null} for the one built into the demo
 * ({@value #UPSTREAM_BASE_URL})
 * @param upstreamTimeout longest wait for the user API ({@value #UPSTREAM_TIMEOUT})
 * @param upstreamDelay latency of the built-in user API ({@value #UPSTREAM_DELAY})
 */
public record DemoConfig(@Nullable Path file, String apiKey, @Nullable URI upstreamBaseUrl, Duration upstreamTimeout,
		Duration upstreamDelay) {

	/**
	 * Name of the file looked up in the working directory.
	 */
	public static final String FILE_NAME = "demo.properties";

	/**
	 * Class-path location of the default built into the demo, a copy of
	 * {@code demo-app/demo.properties} made by the build.
	 */
	public static final String BUILT_IN_RESOURCE = "dev/bridge/demo/config/demo.properties";

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
	 * Reads the settings {@code main} starts with: the file named by {@code --demo.config},
	 * the {@code demo.config} system property or {@code DEMO_CONFIG}; else
	 * {@value #FILE_NAME} in the working directory; else the default built into the demo.
	 * @param args the command-line arguments
	 * @param environment the process environment
	 * @param workingDirectory the working directory
	 * @return the settings
	 * @throws DemoConfigException if the named file, or {@value #FILE_NAME} in the working
	 * directory, is missing (named only), unreadable or holds a value the demo cannot use
	 */
	public static DemoConfig read(String[] args, Map<String, String> environment, Path workingDirectory) {
		Path file = locate(args, environment, workingDirectory);
		if (named(args, environment) == null && !Files.exists(file)) {
			return builtIn();
		}
		return load(file);
	}

	/**
	 * Finds the config file: an explicit location wins over {@value #FILE_NAME} in the working
	 * directory.
	 * @param args the command-line arguments
	 * @param environment the process environment
	 * @param workingDirectory the working directory
	 * @return the absolute path of the file, which may not exist
	 */
	public static Path locate(String[] args, Map<String, String> environment, Path workingDirectory) {
		String explicit = named(args, environment);
		Path file = (explicit != null) ? workingDirectory.resolve(explicit) : workingDirectory.resolve(FILE_NAME);
		return file.toAbsolutePath().normalize();
	}

	private static @Nullable String named(String[] args, Map<String, String> environment) {
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
		return (explicit != null && !explicit.isBlank()) ? explicit.trim() : null;
	}

	/**
	 * Reads the default built into the demo ({@value #BUILT_IN_RESOURCE}).
	 * @return the settings, with no {@link #file()}
	 * @throws IllegalStateException if the build did not put the default into the class path
	 */
	public static DemoConfig builtIn() {
		URL resource = DemoConfig.class.getClassLoader().getResource(BUILT_IN_RESOURCE);
		if (resource == null) {
			throw new IllegalStateException("The demo's built-in " + BUILT_IN_RESOURCE
					+ " is not on the class path; rebuild demo-app with mvn (its process-resources phase copies "
					+ FILE_NAME + " there), or name a file with --" + LOCATION_PROPERTY + "=<file>");
		}
		Properties properties = new Properties();
		try (InputStream in = resource.openStream(); Reader reader = new InputStreamReader(in, utf8())) {
			properties.load(reader);
		}
		catch (IOException ex) {
			throw new IllegalStateException("The demo's built-in " + resource + " cannot be read (" + ex + ")", ex);
		}
		return check(null, resource.toString(), properties);
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
		return check(absolute, absolute.toString(), read(absolute));
	}

	private static DemoConfig check(@Nullable Path absolute, String location, Properties properties) {
		TreeSet<String> unknown = new TreeSet<>(properties.stringPropertyNames());
		unknown.removeAll(KEYS);
		if (!unknown.isEmpty()) {
			String key = unknown.first();
			throw new DemoConfigException(location, key,
					"unknown key " + key + "; the known keys are " + KEYS + " (check the spelling)");
		}
		String apiKey = properties.getProperty(API_KEY);
		if (apiKey == null) {
			throw new DemoConfigException(location, API_KEY,
					"required key " + API_KEY + " is missing; add a line " + API_KEY + "=<key of the user API>");
		}
		if (apiKey.isBlank()) {
			throw new DemoConfigException(location, API_KEY,
					API_KEY + " is empty; give it a value, " + API_KEY + "=<key of the user API>");
		}
		return new DemoConfig(absolute, apiKey.trim(), baseUrl(location, properties),
				duration(location, properties, UPSTREAM_TIMEOUT, DEFAULT_UPSTREAM_TIMEOUT, false),
				duration(location, properties, UPSTREAM_DELAY, DEFAULT_UPSTREAM_DELAY, true));
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

	private static CharsetDecoder utf8() {
		return StandardCharsets.UTF_8.newDecoder()
			.onMalformedInput(CodingErrorAction.REPORT)
			.onUnmappableCharacter(CodingErrorAction.REPORT);
	}

	private static @Nullable URI baseUrl(String file, Properties properties) {
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

	private static Duration duration(String file, Properties properties, String key, Duration fallback,
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

	/**
	 * Where the settings came from, for the start-up log.
	 * @return the file, or the built-in default and how to replace it
	 */
	public String describeSource() {
		if (this.file != null) {
			return this.file.toString();
		}
		return "the default built into the demo (" + BUILT_IN_RESOURCE + "): no --" + LOCATION_PROPERTY + ", "
				+ LOCATION_VARIABLE + " or ./" + FILE_NAME + " was given";
	}

	@Override
	public String toString() {
		// The API key is a secret: keep it out of logs.
		return "DemoConfig[file=" + ((this.file != null) ? this.file : "built-in") + ", upstreamBaseUrl="
				+ ((this.upstreamBaseUrl != null) ? this.upstreamBaseUrl : "built-in") + ", upstreamTimeout="
				+ this.upstreamTimeout + ", upstreamDelay=" + this.upstreamDelay + "]";
	}

}
