package dev.bridge;

/**
 * What a {@link Blocking} method with a plain return type does when it is called on an
 * event-loop thread.
 */
public enum GuardMode {

	/**
	 * Throw {@link BlockingCallOnEventLoopException}; recommended in tests.
	 */
	FAIL,

	/**
	 * Log once per method, count the hit and run inline.
	 */
	WARN,

	/**
	 * Run inline without a check.
	 */
	OFF

}
