package dev.bridge.settings;

/**
 * Makes the exception thrown when a setting cannot work on this JVM or with this
 * application. Internal packages report such problems through it, so that callers receive
 * the public exception type without the internal packages depending on it.
 */
@FunctionalInterface
public interface SettingFailures {

	/**
	 * The exception for a setting that cannot work.
	 * @param property the property as users write it, e.g. {@code bridge.blockhound.enabled}
	 * @param problem what is wrong with its value
	 * @param fix how to fix it
	 * @return the exception to throw
	 */
	RuntimeException failure(String property, String problem, String fix);

}
