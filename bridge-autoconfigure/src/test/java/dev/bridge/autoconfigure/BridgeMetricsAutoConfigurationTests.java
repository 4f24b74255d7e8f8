package dev.bridge.autoconfigure;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bridge.BlockingBridge;
import dev.bridge.metrics.BlockingPoolMetrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BridgeMetricsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, BridgeAutoConfiguration.class,
				BridgeMetricsAutoConfiguration.class))
		.withPropertyValues("management.metrics.use-global-registry=false");

	@Test
	void bindsEveryPoolsMetersToTheMeterRegistry() {
		this.contextRunner.withPropertyValues("bridge.pools.io.max-threads=7").run((context) -> {
			assertThat(context).hasSingleBean(BlockingPoolMetrics.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry).isInstanceOf(SimpleMeterRegistry.class);
			assertThat(registry.get("executor.pool.max").tags("name", "bridge.io").gauge().value()).isEqualTo(7);
			assertThat(registry.get("executor.queued").tags("name", "bridge.default").gauge().value()).isZero();
			assertThat(registry.get("executor").tags("name", "bridge.default").timer().count()).isZero();
			assertThat(registry.get("executor.idle").tags("name", "bridge.io").timer().count()).isZero();
			assertThat(registry.get("bridge.pool.rejected").tags("pool", "io").functionCounter().count()).isZero();
			assertThat(registry.get("bridge.pool.cancelled").tags("pool", "default").functionCounter().count())
				.isZero();
		});
	}

	@Test
	void timesTasksRunThroughTheBridge() {
		this.contextRunner.run((context) -> {
			BlockingBridge bridge = context.getBean(BlockingBridge.class);
			assertThat(bridge.spawn(() -> "done").block()).isEqualTo("done");
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			// The task's timer is recorded when its thread leaves it, which may be just after
			// the caller has the result.
			await()
				.until(() -> registry.get("executor").tags("name", "bridge.default").timer().count() == 1);
			assertThat(registry.get("executor.idle").tags("name", "bridge.default").timer().count()).isEqualTo(1);
		});
	}

	@Test
	void removesThePoolMetersWhenTheContextCloses() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		this.contextRunner.withBean(SimpleMeterRegistry.class, () -> registry).run((context) -> {
			assertThat(context).hasSingleBean(BlockingPoolMetrics.class);
			assertThat(bridgeMeters(registry)).isNotEmpty();
		});
		assertThat(bridgeMeters(registry)).isEmpty();
	}

	@Test
	void registersNothingTwiceBesideBootsApplicationTaskExecutorMeters() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class,
					TaskExecutorMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasBean("applicationTaskExecutor").hasSingleBean(BlockingPoolMetrics.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				List<Meter> executorMeters = registry.getMeters()
					.stream()
					.filter((meter) -> meter.getId().getName().startsWith("executor"))
					.toList();
				// Both sets are there, each executor under its own name.
				Map<String, Set<String>> namesByExecutor = executorMeters.stream()
					.collect(Collectors.groupingBy((meter) -> meter.getId().getTag("name"),
							Collectors.mapping((meter) -> meter.getId().getName(), Collectors.toSet())));
				assertThat(namesByExecutor).containsOnlyKeys("applicationTaskExecutor", "bridge.default");
				assertThat(namesByExecutor.get("applicationTaskExecutor")).contains("executor.queued",
						"executor.active", "executor.pool.size", "executor.pool.max", "executor.queue.remaining",
						"executor.completed");
				assertThat(namesByExecutor.get("bridge.default")).containsAll(
						namesByExecutor.get("applicationTaskExecutor")).contains("executor", "executor.idle");
				// One meter per name and executor, and one tag-key set per name, as exporters
				// such as Prometheus require.
				assertThat(executorMeters.stream().map(Meter::getId).distinct()).hasSameSizeAs(executorMeters);
				Map<String, Set<List<String>>> tagKeysByName = executorMeters.stream()
					.collect(Collectors.groupingBy((meter) -> meter.getId().getName(),
							Collectors.mapping((meter) -> meter.getId().getTags().stream().map(Tag::getKey).toList(),
									Collectors.toSet())));
				assertThat(tagKeysByName).allSatisfy((name, keys) -> assertThat(keys).containsExactly(List.of("name")));
				// The bridge is not an Executor bean, so Boot binds no executor meters for it.
				assertThat(context.getBeansOfType(Executor.class))
					.containsOnlyKeys("applicationTaskExecutor");
			});
	}

	@Test
	void backsOffWithoutAMeterRegistry() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(BridgeAutoConfiguration.class,
					BridgeMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(BlockingBridge.class);
				assertThat(context).doesNotHaveBean(BlockingPoolMetrics.class);
			});
	}

	@Test
	void backsOffWithoutMicrometerCoreOnTheClassPath() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.micrometer.core.")).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(BlockingBridge.class);
			assertThat(context).doesNotHaveBean(BlockingPoolMetrics.class).doesNotHaveBean(MeterRegistry.class);
		});
	}

	@Test
	void startsWithoutSpringBootsMetricsModuleOnTheClassPath() {
		// Its auto-configurations are then not there to import; a registry the application
		// defines itself still gets a binder, which it may bind.
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(BridgeAutoConfiguration.class,
					BridgeMetricsAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.micrometer.metrics."))
			.withBean(SimpleMeterRegistry.class)
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(BlockingBridge.class);
				assertThat(context).hasSingleBean(BlockingPoolMetrics.class);
			});
	}

	@Test
	void backsOffWhenBridgeIsDisabled() {
		this.contextRunner.withPropertyValues("bridge.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(BlockingBridge.class);
			assertThat(context).doesNotHaveBean(BlockingPoolMetrics.class);
		});
	}

	@Test
	void backsOffWhenTheUserDefinesTheBinder() {
		this.contextRunner.withUserConfiguration(CustomPoolMetricsConfiguration.class)
			.run((context) -> assertThat(context).getBean(BlockingPoolMetrics.class)
				.isSameAs(context.getBean("customPoolMetrics")));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomPoolMetricsConfiguration {

		@Bean
		BlockingPoolMetrics customPoolMetrics(BlockingBridge bridge) {
			return new BlockingPoolMetrics(bridge, Tags.of("application", "custom"));
		}

	}

	private static List<Meter> bridgeMeters(MeterRegistry registry) {
		return registry.getMeters()
			.stream()
			.filter((meter) -> String.valueOf(meter.getId().getTag("name")).startsWith("bridge.")
					|| meter.getId().getName().startsWith("bridge.pool."))
			.toList();
	}

}
