package dev.bridge.autoconfigure;

import io.micrometer.context.ContextRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.web.server.WebFilter;

import dev.bridge.BlockingBridge;
import dev.bridge.security.SecurityContextAccessor;
import dev.bridge.security.SecurityContextWebFilter;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that makes Spring Security's context
 * visible in {@code SecurityContextHolder} inside offloaded calls. Nothing is loaded without
 * Spring Security.
 */
@AutoConfiguration(after = BridgeAutoConfiguration.class)
@ConditionalOnClass({ ReactiveSecurityContextHolder.class, ContextRegistry.class })
@ConditionalOnBean(BlockingBridge.class)
public final class BridgeSecurityAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SecurityContextAccessor bridgeSecurityContextAccessor() {
		SecurityContextAccessor.registerWith(ContextRegistry.getInstance());
		return new SecurityContextAccessor();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.REACTIVE)
	@ConditionalOnClass(WebFilter.class)
	static class WebFluxConfiguration {

		@Bean
		@ConditionalOnMissingBean
		SecurityContextWebFilter bridgeSecurityContextWebFilter() {
			return new SecurityContextWebFilter();
		}

	}

}
