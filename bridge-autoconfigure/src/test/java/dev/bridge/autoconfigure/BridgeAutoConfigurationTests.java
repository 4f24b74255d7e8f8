package dev.bridge.autoconfigure;

import java.time.Duration;

import org.aspectj.weaver.Advice;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.bridge.BlockingBridge;
import dev.bridge.BridgeConfigurationException;
import dev.bridge.aspect.BlockingAspect;
import dev.bridge.aspect.BlockingMethodValidator;
import dev.bridge.aspect.EventLoopGuard;
import dev.bridge.GuardMode;
import dev.bridge.pool.PoolSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BridgeAutoConfiguration} and {@link BridgeAspectAutoConfiguration}.
 */
class BridgeAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(AopAutoConfiguration.class, BridgeAutoConfiguration.class,
					BridgeAspectAutoConfiguration.class));

	@Test
	void bridgeWithDefaultPoolAndAspectAreConfiguredByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(BlockingBridge.class)
				.hasSingleBean(BlockingAspect.class)
				.hasSingleBean(BlockingMethodValidator.class)
				.hasSingleBean(EventLoopGuard.class);
			BlockingBridge bridge = context.getBean(BlockingBridge.class);
			assertThat(bridge.pools()).extracting((pool) -> pool.name()).containsExactly("default");
			PoolSettings settings = bridge.pool("default").settings();
			assertThat(settings.maxThreads())
				.isEqualTo(Math.max(10 * Runtime.getRuntime().availableProcessors(), 200));
			assertThat(settings.queueCapacity()).isEqualTo(1000);
			assertThat(settings.keepAlive()).isEqualTo(Duration.ofSeconds(60));
			assertThat(settings.timeout()).isNull();
			assertThat(settings.interruptOnCancel()).isTrue();
			assertThat(bridge.getAwaitTermination()).isEqualTo(Duration.ofSeconds(30));
			assertThat(context.getBean(EventLoopGuard.class).getMode()).isEqualTo(GuardMode.WARN);
		});
	}

	@Test
	void poolsAreBoundFromProperties() {
		this.runner
			.withPropertyValues("bridge.pools.default.max-threads=8", "bridge.pools.images.max-threads=2",
					"bridge.pools.images.queue-capacity=5", "bridge.pools.images.keep-alive=10s",
					"bridge.pools.images.timeout=3s", "bridge.pools.images.interrupt-on-cancel=false",
					"bridge.shutdown.await-termination=2s", "bridge.guard.mode=fail")
			.run((context) -> {
				BlockingBridge bridge = context.getBean(BlockingBridge.class);
				assertThat(bridge.pools()).extracting((pool) -> pool.name()).containsExactly("default", "images");
				assertThat(bridge.pool("default").settings().maxThreads()).isEqualTo(8);
				assertThat(bridge.pool("images").settings()).isEqualTo(new PoolSettings("images", 2, 5,
						Duration.ofSeconds(10), Duration.ofSeconds(3), false, false));
				assertThat(bridge.pool("images").executor().getMaximumPoolSize()).isEqualTo(2);
				assertThat(bridge.getAwaitTermination()).isEqualTo(Duration.ofSeconds(2));
				assertThat(context.getBean(EventLoopGuard.class).getMode()).isEqualTo(GuardMode.FAIL);
			});
	}

	@Test
	void bridgeBacksOffWhenUserDefinesOne() {
		this.runner.withBean("myBridge", BlockingBridge.class, () -> BlockingBridge.builder().build())
			.run((context) -> {
				assertThat(context).hasSingleBean(BlockingBridge.class).hasBean("myBridge");
				assertThat(context).hasSingleBean(BlockingAspect.class);
			});
	}

	@Test
	void nothingIsConfiguredWhenDisabled() {
		this.runner.withPropertyValues("bridge.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(BlockingBridge.class)
				.doesNotHaveBean(BlockingAspect.class));
	}

	@Test
	void noAspectWithoutAspectJOnTheClassPath() {
		this.runner.withClassLoader(new FilteredClassLoader(Advice.class))
			.run((context) -> assertThat(context).hasSingleBean(BlockingBridge.class)
				.doesNotHaveBean(BlockingAspect.class));
	}

	@Test
	void bridgeIsStoppedWithTheContext() {
		this.runner.run((context) -> {
			BlockingBridge bridge = context.getBean(BlockingBridge.class);
			assertThat(bridge.isRunning()).isTrue();
			context.close();
			assertThat(bridge.isClosed()).isTrue();
			assertThat(bridge.pool("default").executor().isShutdown()).isTrue();
		});
	}

	@Test
	void unknownGuardModeFailsStartUpNamingTheProperty() {
		this.runner.withPropertyValues("bridge.guard.mode=loud").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("bridge.guard.mode")
				.hasStackTraceContaining("GuardMode");
		});
	}

	@Test
	void virtualThreadsOnJava17FailStartUpNamingThePropertyOtherwiseTheyRun() {
		this.runner.withPropertyValues("bridge.pools.vt.virtual-threads=true").run((context) -> {
			if (Runtime.version().feature() < 21) {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(BridgeConfigurationException.class)
					.hasMessageStartingWith("bridge.pools.vt.virtual-threads is true, which needs Java 21 or newer");
			}
			else {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(BlockingBridge.class).pool("vt").settings().virtualThreads()).isTrue();
			}
		});
	}

}
