package dev.bridge.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

import dev.bridge.BlockingBridge;

/**
 * Explains a missing {@link BlockingBridge} bean when {@code bridge.enabled=false} switched
 * Bridge off: Spring's own analysis would only say that no bean of that type exists. Runs
 * before Spring Boot's analyzer of missing beans.
 */
class BridgeDisabledFailureAnalyzer extends AbstractFailureAnalyzer<NoSuchBeanDefinitionException>
		implements Ordered {

	private final Environment environment;

	BridgeDisabledFailureAnalyzer(Environment environment) {
		this.environment = environment;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, NoSuchBeanDefinitionException cause) {
		if (!isBridgeType(cause.getResolvableType()) || this.environment.getProperty("bridge.enabled", Boolean.class,
				true)) {
			return null;
		}
		return new FailureAnalysis("A component needs a " + BlockingBridge.class.getName()
				+ " bean, but bridge.enabled=false switched Bridge off, so none exists.",
				"Remove bridge.enabled=false (or set it to true), or make the dependency optional "
						+ "(inject ObjectProvider<BlockingBridge> and call getIfAvailable()), or define your own "
						+ "BlockingBridge bean (BlockingBridge.builder().build()).",
				cause);
	}

	private static boolean isBridgeType(@Nullable ResolvableType type) {
		return type != null && type.resolve() != null && BlockingBridge.class.isAssignableFrom(type.resolve());
	}

}
