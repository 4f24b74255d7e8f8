package dev.bridge;

/**
 * A {@code bridge.*} setting that cannot work on this JVM or with this application. The
 * message names the property and the fix.
 */
public class BridgeConfigurationException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String property;

	private final String fix;

	public BridgeConfigurationException(String property, String problem, String fix) {
		super(property + " " + problem + "; " + fix);
		this.property = property;
		this.fix = fix;
	}

	public String getProperty() {
		return this.property;
	}

	public String getFix() {
		return this.fix;
	}

}
