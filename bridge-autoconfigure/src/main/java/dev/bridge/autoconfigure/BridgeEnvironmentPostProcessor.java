package dev.bridge.autoconfigure;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults {@code spring.reactor.context-propagation} to {@code auto} in WebFlux
 * applications. WebFlux keeps a request's context (MDC, the current observation, Spring
 * Security's context) in the Reactor context; a {@code @Blocking} controller handler with a
 * plain return type is handed to the bridge pool by WebFlux outside that chain, and only
 * automatic propagation puts those values into thread locals there for Bridge to carry over.
 * The default is added last, so any setting of the property, and {@code bridge.enabled=false},
 * win.
 */
class BridgeEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String PROPERTY = "spring.reactor.context-propagation";

	static final String SOURCE_NAME = "bridgeDefaults";

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (application.getWebApplicationType() != WebApplicationType.REACTIVE
				|| !environment.getProperty("bridge.enabled", Boolean.class, true)
				|| environment.containsProperty(PROPERTY)) {
			return;
		}
		environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, Map.of(PROPERTY, "auto")));
	}

}
