package dev.bridge.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bridge.BlockingBridge;
import dev.bridge.actuate.BridgeEndpoint;
import dev.bridge.actuate.BridgeHealthIndicator;
import dev.bridge.aspect.EventLoopGuard;
import dev.bridge.eventloop.EventLoopMonitor;
import dev.bridge.eventloop.LoopCallRecorder;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for Bridge's Actuator endpoint
 * ({@code /actuator/bridge}) and health contributor ({@code bridge}). Each needs its own
 * module on the class path (Actuator, Spring Boot's health support); without it, it is
 * simply left out.
 */
@AutoConfiguration(after = { BridgeAutoConfiguration.class, BridgeAspectAutoConfiguration.class,
		BridgeEventLoopAutoConfiguration.class })
@ConditionalOnBean(BlockingBridge.class)
@EnableConfigurationProperties(BridgeProperties.class)
public final class BridgeEndpointAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnAvailableEndpoint(BridgeEndpoint.class)
		BridgeEndpoint bridgeEndpoint(BlockingBridge bridge, ObjectProvider<EventLoopMonitor> monitor,
				ObjectProvider<EventLoopGuard> guard, ObjectProvider<LoopCallRecorder> callSites) {
			return new BridgeEndpoint(bridge, monitor.getIfUnique(), guard.getIfUnique(), callSites.getIfUnique());
		}

	}

	// Each optional module's own conditions sit on the bean methods: a condition class is
	// loaded as soon as its annotation is evaluated, so it must not share a level with the
	// @ConditionalOnClass that checks its module is there.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = { "bridgeHealthIndicator", "bridgeHealthContributor" })
		@ConditionalOnEnabledHealthIndicator("bridge")
		BridgeHealthIndicator bridgeHealthIndicator(BlockingBridge bridge, ObjectProvider<EventLoopMonitor> monitor,
				BridgeProperties properties) {
			return new BridgeHealthIndicator(bridge, monitor.getIfUnique(),
					properties.getEventloop().getWatchdog().getThreshold());
		}

	}

}
