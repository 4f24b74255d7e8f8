package dev.bridge.demo.config;

import java.nio.file.Path;

/**
 * The demo's config file is missing or holds a value the demo cannot use. The message is one
 * line that names the file, the key and the fix, because {@code main} prints it as is.
 */
public class DemoConfigException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String file;

	private final String key;

	/**
	 * Creates an exception about one key of the file.
	 * @param file the config file
	 * @param key the offending key
	 * @param problem what is wrong and how to fix it
	 */
	public DemoConfigException(Path file, String key, String problem) {
		this(file.toString(), key, problem);
	}

	/**
	 * Creates an exception about one key of the file at a location.
	 * @param file the config file's absolute path, or the URL of a class-path resource
	 * @param key the offending key
	 * @param problem what is wrong and how to fix it
	 */
	public DemoConfigException(String file, String key, String problem) {
		super("Demo config file " + file + ": " + problem);
		this.file = file;
		this.key = key;
	}

	/**
	 * The config file: an absolute path, or the URL of a class-path resource.
	 * @return the file
	 */
	public String getFile() {
		return this.file;
	}

	/**
	 * The key the problem is about.
	 * @return the key
	 */
	public String getKey() {
		return this.key;
	}

}
