package dev.bridge.autoconfigure;

import org.aspectj.weaver.Advice;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.context.annotation.EnableAspectJAutoProxy;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import dev.bridge.aspect.BlockingAdvisingPostProcessor;
import dev.bridge.aspect.BlockingAspect;
import dev.bridge.aspect.BlockingMethodValidator;
import dev.bridge.aspect.EventLoopGuard;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link Blocking} aspect.
 */
@AutoConfiguration(after = { BridgeAutoConfiguration.class, AopAutoConfiguration.class })
@ConditionalOnClass(Advice.class)
@ConditionalOnBean(BlockingBridge.class)
@EnableConfigurationProperties(BridgeProperties.class)
@EnableAspectJAutoProxy
public final class BridgeAspectAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	EventLoopGuard bridgeEventLoopGuard(BridgeProperties properties) {
		return new EventLoopGuard(properties.getGuard().getMode());
	}

	@Bean
	@ConditionalOnMissingBean
	BlockingAspect blockingAspect(BlockingBridge bridge, EventLoopGuard guard) {
		return new BlockingAspect(bridge, guard);
	}

	/**
	 * Proxies {@code @Blocking} beans with Bridge's advice outermost, so that other advice
	 * of the bean runs inside the offloaded call.
	 */
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean(name = "blockingAdvisingPostProcessor")
	static BlockingAdvisingPostProcessor blockingAdvisingPostProcessor(ObjectProvider<BlockingAspect> blockingAspect) {
		return new BlockingAdvisingPostProcessor(blockingAspect::getObject);
	}

	@Bean
	static BlockingMethodValidator blockingMethodValidator(ObjectProvider<BlockingBridge> bridge) {
		return new BlockingMethodValidator(bridge);
	}

}
