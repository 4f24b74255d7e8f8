package dev.bridge.aspect;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bridge.Blocking;
import dev.bridge.InvalidBlockingMethodException;
import dev.bridge.autoconfigure.BridgeAspectAutoConfiguration;
import dev.bridge.autoconfigure.BridgeAutoConfiguration;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A {@link Blocking} annotation that cannot work fails start-up with a message naming the
 * class, the method and the fix.
 */
@ExtendWith(OutputCaptureExtension.class)
class BlockingMethodValidationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, BridgeAutoConfiguration.class,
				BridgeAspectAutoConfiguration.class))
		.withPropertyValues("bridge.pools.images.max-threads=2");

	@Test
	void privateMethodIsRefused() {
		assertRefused(PrivateMethod.class,
				"@Blocking on " + PrivateMethod.class.getName() + ".load(..) is on a private method, which a "
						+ "Spring proxy cannot intercept. Fix: make the method public (or protected) and call it "
						+ "through the bean, not through 'this'");
	}

	@Test
	void finalMethodIsRefused() {
		assertRefused(FinalMethod.class, "@Blocking on " + FinalMethod.class.getName()
				+ ".load(..) is on a final method, which a Spring proxy cannot override. Fix: remove 'final' from the "
				+ "method (Kotlin: mark it 'open' or use the all-open Spring plugin)");
	}

	@Test
	void staticMethodIsRefused() {
		assertRefused(StaticMethod.class, "@Blocking on " + StaticMethod.class.getName()
				+ ".load(..) is on a static method, which a Spring proxy cannot intercept. Fix: make it an instance "
				+ "method of the bean, or run it with BlockingBridge.spawn(() -> ...)");
	}

	@Test
	void finalClassIsRefused() {
		assertRefused(FinalClass.class, "@Blocking on " + FinalClass.class.getName() + ".load(..) is in final class "
				+ FinalClass.class.getName() + ", which a Spring proxy cannot extend. Fix: remove 'final' from the "
				+ "class (Kotlin: mark it 'open' or use the all-open Spring plugin)");
	}

	@Test
	void typeLevelAnnotationRefusesAPublicFinalMethod() {
		assertRefused(TypeLevelWithFinalMethod.class,
				"@Blocking on " + TypeLevelWithFinalMethod.class.getName() + ".load(..) is on a final method");
	}

	@Test
	void unknownPoolIsRefused() {
		assertRefused(UnknownPool.class, "@Blocking on " + UnknownPool.class.getName()
				+ ".load(..) names pool 'imagez', which is not configured (pools: [default, images]). Fix: define it "
				+ "with bridge.pools.imagez.max-threads=..., or name a configured pool in @Blocking(pool = ...)");
	}

	@Test
	void unparsableTimeoutIsRefused() {
		assertRefused(BadTimeout.class, "@Blocking on " + BadTimeout.class.getName()
				+ ".load(..) has timeout \"two seconds\", which is not a duration. Fix: write it like \"500ms\", "
				+ "\"2s\" or \"PT1M\", or leave it empty for the pool's timeout");
	}

	@Test
	void zeroTimeoutIsRefused() {
		assertRefused(ZeroTimeout.class, "@Blocking on " + ZeroTimeout.class.getName()
				+ ".load(..) has timeout \"0s\", which is not strictly positive");
	}

	@Test
	void timeoutTooLongForNanosecondsIsRefused() {
		assertRefused(OverlongTimeout.class, "@Blocking on " + OverlongTimeout.class.getName()
				+ ".load(..) has timeout \"106752d\", which is longer than the longest duration in nanoseconds "
				+ "(106751d), so every call would fail when the timeout is set. Fix: use at most \"106751d\"");
	}

	@Test
	void longestTimeoutInNanosecondsStarts() {
		this.runner.withBean(LongestTimeout.class).run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void validAnnotationsStart() {
		this.runner.withBean(Valid.class).run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void startUpFailureIsExplainedByTheFailureAnalyzer(CapturedOutput output) {
		assertThatException().isThrownBy(() -> new SpringApplicationBuilder(UnknownPoolConfig.class)
			.web(WebApplicationType.NONE)
			.properties("bridge.eventloop.watchdog.enabled=false")
			.run());
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("@Blocking on " + UnknownPool.class.getName()
					+ ".load(..) names pool 'imagez', which is not configured (pools: [default]).")
			.contains("Fix: define it with bridge.pools.imagez.max-threads=...");
	}

	private void assertRefused(Class<?> beanType, String message) {
		this.runner.withBean(beanType).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidBlockingMethodException.class)
				.hasMessageStartingWith(message);
		});
	}

	static class PrivateMethod {

		@Blocking
		private String load() {
			return "x";
		}

		String callLoad() {
			return load();
		}

	}

	static class FinalMethod {

		@Blocking
		public final Mono<String> load() {
			return Mono.just("x");
		}

	}

	static class StaticMethod {

		@Blocking
		public static String load() {
			return "x";
		}

	}

	static final class FinalClass {

		@Blocking
		public Mono<String> load() {
			return Mono.just("x");
		}

	}

	@Blocking
	static class TypeLevelWithFinalMethod {

		public final Mono<String> load() {
			return Mono.just("x");
		}

	}

	static class UnknownPool {

		@Blocking(pool = "imagez")
		public Mono<String> load() {
			return Mono.just("x");
		}

	}

	static class BadTimeout {

		@Blocking(timeout = "two seconds")
		public Mono<String> load() {
			return Mono.just("x");
		}

	}

	static class OverlongTimeout {

		@Blocking(timeout = "106752d")
		public Mono<String> load() {
			return Mono.just("x");
		}

	}

	static class LongestTimeout {

		@Blocking(timeout = "106751d")
		public Mono<String> load() {
			return Mono.just("x");
		}

	}

	static class ZeroTimeout {

		@Blocking(timeout = "0s")
		public Mono<String> load() {
			return Mono.just("x");
		}

	}

	static class Valid {

		@Blocking(pool = "images", timeout = "2s")
		public CompletableFuture<String> load() {
			return CompletableFuture.completedFuture("x");
		}

		@Blocking(timeout = "PT1M")
		protected String plain() {
			return "y";
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ AopAutoConfiguration.class, BridgeAutoConfiguration.class,
			BridgeAspectAutoConfiguration.class })
	static class UnknownPoolConfig {

		@Bean
		UnknownPool unknownPool() {
			return new UnknownPool();
		}

	}

}
