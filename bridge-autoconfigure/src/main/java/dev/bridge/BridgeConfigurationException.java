package dev.bridge;

/**
 * A {@code bridge.*} setting that cannot work on this JVM or with this application. The
 * message names the property and the fix.
 */
public class BridgeConfigurationException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	/** The property as users write it, such as {@code bridge.pools.default.max-threads}. */
	private final String property;

	/** What to change to make the setting work. */
	private final String fix;

	/**
	 * Create an exception whose message names the property, the problem and the fix.
	 * @param property the property as users write it
	 * @param problem what is wrong with the setting
	 * @param fix what to change to make it work
	 */
	public BridgeConfigurationException(String property, String problem, String fix) {
		super(property + " " + problem + "; " + fix);
		this.property = property;
		this.fix = fix;
	}

	/**
	 * The property that cannot work, as users write it.
	 * @return the property name
	 */
	public String getProperty() {
		return this.property;
	}

	/**
	 * What to change to make the setting work.
	 * @return the fix
	 */
	public String getFix() {
		return this.fix;
	}

}
