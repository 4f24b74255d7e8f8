package dev.bridge.autoconfigure;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bridge.BlockingBridge;
import dev.bridge.actuate.BridgeEndpoint;
import dev.bridge.actuate.BridgeHealthIndicator;
import dev.bridge.eventloop.EventLoopMonitor;
import dev.bridge.eventloop.LoopStats;
import dev.bridge.eventloop.StallReport;

import static org.assertj.core.api.Assertions.assertThat;

class BridgeEndpointAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class, BridgeAutoConfiguration.class,
				BridgeEndpointAutoConfiguration.class));

	@Test
	void endpointIsThereWhenExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=bridge").run((context) -> {
			assertThat(context).hasSingleBean(BridgeEndpoint.class);
			BridgeEndpoint.BridgeDescriptor descriptor = context.getBean(BridgeEndpoint.class).bridge();
			assertThat(descriptor.pools()).containsOnlyKeys("default");
			assertThat(descriptor.eventLoops().monitored()).isFalse();
			assertThat(descriptor.guard().active()).isFalse();
		});
	}

	@Test
	void endpointIsLeftOutWhenNotExposed() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(BridgeEndpoint.class);
			assertThat(context).hasSingleBean(BridgeHealthIndicator.class);
		});
	}

	@Test
	void endpointIsLeftOutWhenDisabled() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=bridge",
					"management.endpoint.bridge.access=NONE")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(BridgeEndpoint.class));
	}

	@Test
	void endpointReadsTheWatchdogAndTheGuardWhenTheyExist() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, BridgeAspectAutoConfiguration.class))
			.withBean(EventLoopMonitor.class, BridgeEndpointAutoConfigurationTests::monitor)
			.withPropertyValues("management.endpoints.web.exposure.include=bridge", "bridge.guard.mode=fail")
			.run((context) -> {
				BridgeEndpoint.BridgeDescriptor descriptor = context.getBean(BridgeEndpoint.class).bridge();
				assertThat(descriptor.eventLoops().monitored()).isTrue();
				assertThat(descriptor.eventLoops().loops()).extracting(BridgeEndpoint.LoopDescriptor::thread)
					.containsExactly("parallel-1");
				assertThat(descriptor.guard().active()).isTrue();
				assertThat(descriptor.guard().mode()).isEqualTo("fail");
			});
	}

	@Test
	void endpointBacksOffWhenTheUserDefinesOne() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=bridge")
			.withUserConfiguration(CustomEndpointConfiguration.class)
			.run((context) -> assertThat(context).getBean(BridgeEndpoint.class)
				.isSameAs(context.getBean("customBridgeEndpoint")));
	}

	@Test
	void healthIndicatorIsUpAndNamedBridge() {
		this.contextRunner.withBean(EventLoopMonitor.class, BridgeEndpointAutoConfigurationTests::monitor)
			.withPropertyValues("bridge.eventloop.watchdog.threshold=10ms")
			.run((context) -> {
				assertThat(context).hasSingleBean(BridgeHealthIndicator.class).hasBean("bridgeHealthIndicator");
				Health health = context.getBean(BridgeHealthIndicator.class).health();
				assertThat(health.getStatus().getCode()).isEqualTo("UP");
				// The threshold comes from bridge.eventloop.watchdog.threshold.
				assertThat(health.getDetails()).containsKey("warnings");
			});
	}

	@Test
	void healthIndicatorIsLeftOutWhenDisabled() {
		this.contextRunner.withPropertyValues("management.health.bridge.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(BridgeHealthIndicator.class));
	}

	@Test
	void healthIndicatorBacksOffWhenTheUserDefinesOne() {
		this.contextRunner.withBean("bridgeHealthIndicator", HealthIndicator.class, () -> () -> Health.up().build())
			.run((context) -> assertThat(context).doesNotHaveBean(BridgeHealthIndicator.class));
	}

	@Test
	void healthIndicatorStaysWithoutActuator() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(BridgeAutoConfiguration.class,
					BridgeEndpointAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate."))
			.withPropertyValues("management.endpoints.web.exposure.include=bridge")
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(BridgeEndpoint.class);
				assertThat(context).hasSingleBean(BridgeHealthIndicator.class);
			});
	}

	@Test
	void endpointStaysWithoutSpringBootsHealthModule() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health."))
			.withPropertyValues("management.endpoints.web.exposure.include=bridge")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(BridgeEndpoint.class);
				assertThat(context).doesNotHaveBean(BridgeHealthIndicator.class);
			});
	}

	@Test
	void nothingIsAddedWithoutActuatorAndHealth() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(BridgeAutoConfiguration.class,
					BridgeEndpointAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.",
					"org.springframework.boot.health."))
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(BlockingBridge.class);
				assertThat(context).doesNotHaveBean(BridgeEndpoint.class).doesNotHaveBean(BridgeHealthIndicator.class);
			});
	}

	@Test
	void nothingIsAddedWhenBridgeIsDisabled() {
		this.contextRunner.withPropertyValues("bridge.enabled=false", "management.endpoints.web.exposure.include=bridge")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(BridgeEndpoint.class).doesNotHaveBean(BridgeHealthIndicator.class);
			});
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomEndpointConfiguration {

		@Bean
		BridgeEndpoint customBridgeEndpoint(BlockingBridge bridge) {
			return new BridgeEndpoint(bridge, null, null);
		}

	}

	private static EventLoopMonitor monitor() {
		return new EventLoopMonitor() {

			@Override
			public List<LoopStats> loops() {
				return List.of(new LoopStats("parallel-1", "parallel", Duration.ofMillis(1),
						Duration.ofMillis(60), 1, Duration.ofMillis(60)));
			}

			@Override
			public List<StallReport> recentStalls() {
				return List.of();
			}

			@Override
			public double currentStallSeconds() {
				return 0.06;
			}

			@Override
			public long blockingCalls() {
				return 0;
			}

		};
	}

}
