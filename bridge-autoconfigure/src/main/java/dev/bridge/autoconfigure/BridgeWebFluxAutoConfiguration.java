package dev.bridge.autoconfigure;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;

import dev.bridge.BlockingBridge;
import dev.bridge.aspect.BlockingAspect;
import dev.bridge.aspect.BlockingControllerMethods;
import dev.bridge.context.ContextCarrier;
import dev.bridge.web.BlockingWebFluxConfigurer;
import dev.bridge.web.BridgeExceptionHandler;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for Bridge in WebFlux applications:
 * {@code @Blocking} controller methods run on the bridge pool, and Bridge's errors become
 * problem-detail responses.
 */
@AutoConfiguration(after = { BridgeAutoConfiguration.class, BridgeAspectAutoConfiguration.class })
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass(WebFluxConfigurer.class)
@ConditionalOnBean(BlockingBridge.class)
public final class BridgeWebFluxAutoConfiguration {

	/**
	 * Creates the auto-configuration, which Spring Boot instantiates when it applies it.
	 */
	public BridgeWebFluxAutoConfiguration() {
	}

	/**
	 * Seconds a client is asked to wait after a 503 from a saturated pool.
	 */
	static final long RETRY_AFTER_SECONDS = 1;

	@Bean
	@ConditionalOnMissingBean
	BlockingWebFluxConfigurer blockingWebFluxConfigurer(BlockingBridge bridge, Environment environment,
			ObjectProvider<ContextCarrier> contextCarrier, ObjectProvider<BlockingAspect> aspect) {
		return new BlockingWebFluxConfigurer(bridge, controllerMethods(), environment,
				contextCarrier.getIfAvailable(ContextCarrier::global), aspect.getIfAvailable() != null);
	}

	@Bean
	static BlockingWebFluxConfigurer.ControllerValidator blockingControllerValidator() {
		return new BlockingWebFluxConfigurer.ControllerValidator(controllerMethods());
	}

	@Bean
	@ConditionalOnMissingBean
	BridgeExceptionHandler bridgeExceptionHandler(ObjectProvider<ServerCodecConfigurer> codecs) {
		List<HttpMessageWriter<?>> writers = codecs.getIfAvailable(ServerCodecConfigurer::create).getWriters();
		return new BridgeExceptionHandler(RETRY_AFTER_SECONDS, writers);
	}

	private static BlockingControllerMethods controllerMethods() {
		return new BlockingControllerMethods(BlockingBridge.DEFAULT_POOL);
	}

}
