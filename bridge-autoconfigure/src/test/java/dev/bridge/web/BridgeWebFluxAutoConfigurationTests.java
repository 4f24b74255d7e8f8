package dev.bridge.web;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.config.BlockingExecutionConfigurer;

import dev.bridge.Blocking;
import dev.bridge.InvalidBlockingMethodException;
import dev.bridge.autoconfigure.BridgeAspectAutoConfiguration;
import dev.bridge.autoconfigure.BridgeAutoConfiguration;
import dev.bridge.autoconfigure.BridgeWebFluxAutoConfiguration;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BridgeWebFluxAutoConfiguration}.
 */
class BridgeWebFluxAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, TaskExecutionAutoConfiguration.class,
				BridgeAutoConfiguration.class, BridgeAspectAutoConfiguration.class,
				BridgeWebFluxAutoConfiguration.class))
		.withPropertyValues("bridge.pools.images.max-threads=2");

	@Test
	void reactiveAppGetsTheConfigurerAndTheExceptionHandler() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(BlockingWebFluxConfigurer.class)
			.hasSingleBean(BridgeExceptionHandler.class));
	}

	@Test
	void nonReactiveAppGetsNeither() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(BridgeAutoConfiguration.class,
					BridgeWebFluxAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(BlockingWebFluxConfigurer.class)
				.doesNotHaveBean(BridgeExceptionHandler.class));
	}

	@Test
	void configurerHandsWebFluxTheBridgePoolAndMatchesOnlyBlockingPlainHandlers() throws Exception {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=false").run((context) -> {
			ExposedConfigurer configurer = new ExposedConfigurer();
			context.getBean(BlockingWebFluxConfigurer.class).configureBlockingExecution(configurer);
			assertThat(configurer.executor()).hasToString("PoolTaskExecutor[default]");
			Controller controller = new Controller();
			assertThat(configurer.predicate(new HandlerMethod(controller, "plain"))).isTrue();
			assertThat(configurer.predicate(new HandlerMethod(controller, "unannotated"))).isFalse();
			assertThat(configurer.predicate(new HandlerMethod(controller, "reactive"))).isFalse();
		});
	}

	@Test
	void withVirtualThreadsOnBootsExecutorIsLeftInChargeOtherwiseBridgeTakesIt() {
		this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			ExposedConfigurer configurer = new ExposedConfigurer();
			context.getBean(BlockingWebFluxConfigurer.class).configureBlockingExecution(configurer);
			if (Runtime.version().feature() >= 21) {
				assertThat(configurer.executor()).isNull();
			}
			else {
				assertThat(configurer.executor()).hasToString("PoolTaskExecutor[default]");
			}
		});
	}

	@Test
	void controllerHandlerNamingAnotherPoolWithAPlainReturnTypeIsRefused() {
		this.runner.withBean(OtherPoolController.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidBlockingMethodException.class)
				.hasMessage("@Blocking on " + OtherPoolController.class.getName() + ".thumbnail(..) names pool "
						+ "'images' on a controller method with a plain return type, which WebFlux runs on its single "
						+ "blocking executor (pool 'default'). Fix: return Mono<byte[]> to run on pool 'images', or "
						+ "drop the pool attribute to run on 'default'");
		});
	}

	@Test
	void controllerHandlerNamingAnotherPoolWithAMonoIsFine() {
		this.runner.withBean(Controller.class).run((context) -> assertThat(context).hasNotFailed());
	}

	/**
	 * Exposes what the configurer was given.
	 */
	static class ExposedConfigurer extends BlockingExecutionConfigurer {

		AsyncTaskExecutor executor() {
			return getExecutor();
		}

		boolean predicate(HandlerMethod method) {
			return getBlockingControllerMethodPredicate().test(method);
		}

	}

	@RestController
	static class Controller {

		@Blocking
		@GetMapping("/plain")
		public String plain() {
			return "x";
		}

		@GetMapping("/unannotated")
		public String unannotated() {
			return "x";
		}

		@Blocking(pool = "images")
		@GetMapping("/reactive")
		public Mono<String> reactive() {
			return Mono.just("x");
		}

	}

	@RestController
	static class OtherPoolController {

		@Blocking(pool = "images")
		@GetMapping("/thumbnail")
		public byte[] thumbnail() {
			return new byte[0];
		}

	}

}
