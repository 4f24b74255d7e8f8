package dev.bridge.autoconfigure;

import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.bridge.BlockingBridge;
import dev.bridge.context.ContextCarrier;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link BlockingBridge} runtime.
 */
// Micrometer's observation module is optional: named, not referenced, so apps without it start
// without a TypeNotPresentException warning.
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnBooleanProperty(name = "bridge.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BridgeProperties.class)
public final class BridgeAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ContextCarrier bridgeContextCarrier() {
		return new ContextCarrier(ContextRegistry.getInstance());
	}

	@Bean
	@ConditionalOnMissingBean
	BlockingBridge blockingBridge(BridgeProperties properties, ContextCarrier contextCarrier,
			ObjectProvider<ObservationRegistry> observationRegistry) {
		BlockingBridge.Builder builder = BlockingBridge.builder()
			.awaitTermination(properties.getShutdown().getAwaitTermination())
			.contextCarrier(contextCarrier)
			.observationRegistry(observationRegistry.getIfAvailable(() -> ObservationRegistry.NOOP));
		properties.poolSettings().values().forEach(builder::pool);
		return builder.build();
	}

}
