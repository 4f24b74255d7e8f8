package dev.bridge.aspect;

import java.util.function.Supplier;

import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;

/**
 * Applies the {@link BlockingAspect} to beans with {@code @Blocking} methods as the
 * outermost advice: on a bean that other advice already proxies ({@code @Transactional},
 * {@code @Cacheable}, {@code @Retryable}, method security), Bridge's advisor is put in
 * front of the existing ones, whatever order they declare, so that they all run on the pool
 * thread, inside the offloaded call. This is what Spring's {@code @Async} support does
 * ({@code beforeExistingAdvisors}). It runs after Spring's auto-proxy creator, so the proxy
 * it finds is complete; a bean without other advice gets a class-based proxy of its own.
 */
public class BlockingAdvisingPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {

	private static final long serialVersionUID = 1L;

	/**
	 * Creates the post-processor.
	 * @param aspect supplies the aspect on first use (see {@link BlockingAspect#advisor})
	 */
	public BlockingAdvisingPostProcessor(Supplier<BlockingAspect> aspect) {
		this.advisor = BlockingAspect.advisor(aspect);
		setBeforeExistingAdvisors(true);
		setProxyTargetClass(true);
	}

}
