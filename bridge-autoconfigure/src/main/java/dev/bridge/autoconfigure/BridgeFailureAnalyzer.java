package dev.bridge.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.bridge.BridgeConfigurationException;

/**
 * Explains a {@code bridge.*} setting that cannot work, naming the property and the fix.
 */
class BridgeFailureAnalyzer extends AbstractFailureAnalyzer<BridgeConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, BridgeConfigurationException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Update your application's configuration: " + cause.getFix() + ".", cause);
	}

}
