package dev.bridge.web;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.thread.Threading;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.config.BlockingExecutionConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;

import dev.bridge.BlockingBridge;
import dev.bridge.aspect.BlockingControllerMethods;
import dev.bridge.context.ContextCarrier;

/**
 * Lets WebFlux itself run {@code @Blocking} controller methods with a plain return type on
 * the bridge pool, through {@link WebFluxConfigurer#configureBlockingExecution}.
 * <p>
 * Ordered after Spring Boot's own configurer. When {@code spring.threads.virtual.enabled} is
 * on, Boot already runs every blocking-signature controller method (annotated or not) on its
 * virtual-thread {@code applicationTaskExecutor}; Bridge then leaves that choice alone, since
 * narrowing it to {@code @Blocking} methods would move unannotated ones back onto the event
 * loop. Those methods are off the loop either way, so the guard lets them run.
 */
public class BlockingWebFluxConfigurer implements WebFluxConfigurer, Ordered {

	private static final Log logger = LogFactory.getLog(BlockingWebFluxConfigurer.class);

	private final BlockingBridge bridge;

	private final BlockingControllerMethods methods;

	private final Environment environment;

	private final ContextCarrier contextCarrier;

	private final boolean aspectPresent;

	/**
	 * Creates the configurer.
	 * @param bridge the bridge
	 * @param methods which handlers run on the pool
	 * @param environment to tell whether Boot runs handlers on virtual threads
	 * @param contextCarrier carries the submitting thread's context onto the pool
	 * @param aspectPresent whether the {@code @Blocking} aspect proxies the handlers, so a
	 * refused handler can fail in place instead of being thrown at WebFlux
	 */
	public BlockingWebFluxConfigurer(BlockingBridge bridge, BlockingControllerMethods methods,
			Environment environment, ContextCarrier contextCarrier, boolean aspectPresent) {
		this.bridge = bridge;
		this.methods = methods;
		this.environment = environment;
		this.contextCarrier = contextCarrier;
		this.aspectPresent = aspectPresent;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void configureBlockingExecution(BlockingExecutionConfigurer configurer) {
		if (Threading.VIRTUAL.isActive(this.environment)) {
			logger.info("spring.threads.virtual.enabled is on: WebFlux runs blocking controller methods on Spring "
					+ "Boot's virtual-thread executor, @Blocking ones included; Bridge pools serve the rest");
			return;
		}
		configurer.setExecutor(executor());
		configurer.setControllerMethodPredicate(this.methods::matches);
	}

	/**
	 * The executor handed to WebFlux: the pool's scheduler, restoring the caller's context.
	 * @return the executor
	 */
	public AsyncTaskExecutor executor() {
		return new PoolTaskExecutor(this.bridge.pool(this.methods.pool()), this.contextCarrier, this.aspectPresent);
	}

	/**
	 * Validates controller beans as they are created.
	 */
	public static class ControllerValidator implements BeanPostProcessor {

		private final BlockingControllerMethods methods;

		/**
		 * Create a validator for the given rule.
		 * @param methods which controller methods run on the blocking executor
		 */
		public ControllerValidator(BlockingControllerMethods methods) {
			this.methods = methods;
		}

		@Override
		public Object postProcessBeforeInitialization(Object bean, String beanName) {
			this.methods.validate(ClassUtils.getUserClass(bean));
			return bean;
		}

	}

}
