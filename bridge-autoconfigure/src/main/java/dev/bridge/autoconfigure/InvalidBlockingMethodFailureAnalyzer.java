package dev.bridge.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.bridge.InvalidBlockingMethodException;

/**
 * Explains a {@code @Blocking} annotation that cannot work, naming the class, the method
 * and the fix.
 */
class InvalidBlockingMethodFailureAnalyzer extends AbstractFailureAnalyzer<InvalidBlockingMethodException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidBlockingMethodException cause) {
		return new FailureAnalysis("@Blocking on " + cause.getTarget() + " " + cause.getProblem() + ".",
				"Fix: " + cause.getFix() + ".", cause);
	}

}
