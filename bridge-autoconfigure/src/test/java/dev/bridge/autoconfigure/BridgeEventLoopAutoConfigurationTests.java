package dev.bridge.autoconfigure;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

import dev.bridge.eventloop.BlockHoundReporter;
import dev.bridge.eventloop.EventLoopMonitor;
import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopSource;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.LoopCallRecorder;
import dev.bridge.eventloop.LoopStats;
import dev.bridge.eventloop.ParallelSchedulerLoopSource;
import dev.bridge.eventloop.ReactorNettyLoopSource;
import dev.bridge.metrics.EventLoopMetrics;
import reactor.blockhound.BlockHound;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link BridgeEventLoopAutoConfiguration}.
 */
class BridgeEventLoopAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(BridgeAutoConfiguration.class, BridgeEventLoopAutoConfiguration.class));

	@Test
	void watchdogIsOnByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(EventLoopWatchdog.class)
				.hasSingleBean(EventLoopReports.class)
				.hasSingleBean(ParallelSchedulerLoopSource.class)
				.hasSingleBean(ReactorNettyLoopSource.class)
				.hasBean("bridgeEventLoopWatchdog");
			assertThat(context).getBean(EventLoopMonitor.class).isSameAs(context.getBean(EventLoopWatchdog.class));
			EventLoopWatchdog watchdog = context.getBean(EventLoopWatchdog.class);
			assertThat(watchdog.isRunning()).isTrue();
			assertThat(watchdog.getInterval()).isEqualTo(Duration.ofMillis(50));
			assertThat(watchdog.getThreshold()).isEqualTo(Duration.ofMillis(100));
			assertThat(watchdog.getStartupGrace()).isEqualTo(Duration.ofSeconds(5));
			assertThat(watchdog.getReports()).isSameAs(context.getBean(EventLoopReports.class));
		});
	}

	@Test
	void watchdogProbesTheParallelSchedulerAndReactorNettysLoops() {
		this.contextRunner.run((context) -> {
			EventLoopWatchdog watchdog = context.getBean(EventLoopWatchdog.class);
			await().untilAsserted(() -> assertThat(watchdog.loops()).extracting(LoopStats::group)
				.contains(ParallelSchedulerLoopSource.GROUP, ReactorNettyLoopSource.GROUP));
		});
	}

	@Test
	void watchdogTakesItsSettingsFromProperties() {
		this.contextRunner
			.withPropertyValues("bridge.eventloop.watchdog.interval=20ms", "bridge.eventloop.watchdog.threshold=300ms",
					"bridge.eventloop.watchdog.startup-grace=0s")
			.run((context) -> {
				EventLoopWatchdog watchdog = context.getBean(EventLoopWatchdog.class);
				assertThat(watchdog.getInterval()).isEqualTo(Duration.ofMillis(20));
				assertThat(watchdog.getThreshold()).isEqualTo(Duration.ofMillis(300));
				assertThat(watchdog.getStartupGrace()).isZero();
			});
	}

	@Test
	void invalidIntervalFailsStartUpNamingTheProperty() {
		this.contextRunner.withPropertyValues("bridge.eventloop.watchdog.interval=0ms").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasStackTraceContaining("bridge.eventloop.watchdog")
				.hasStackTraceContaining("must be at least 1ms, was 0s");
		});
	}

	@Test
	void watchdogIsOffByProperty() {
		this.contextRunner.withPropertyValues("bridge.eventloop.watchdog.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(EventLoopWatchdog.class)
				.doesNotHaveBean(ParallelSchedulerLoopSource.class)
				.doesNotHaveBean(ReactorNettyLoopSource.class)
				.hasSingleBean(EventLoopReports.class)
				.hasSingleBean(EventLoopMonitor.class);
			assertThat(context.getBean(EventLoopMonitor.class).loops()).isEmpty();
		});
	}

	@Test
	void everythingIsOffWhenBridgeIsDisabled() {
		this.contextRunner.withPropertyValues("bridge.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(EventLoopWatchdog.class)
				.doesNotHaveBean(EventLoopReports.class)
				.doesNotHaveBean(EventLoopMonitor.class)
				.doesNotHaveBean(BlockHoundReporter.class);
		});
	}

	@Test
	void watchdogBacksOffWhenUserDefinesOne() {
		this.contextRunner.withUserConfiguration(UserWatchdogConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(EventLoopWatchdog.class).hasBean("userWatchdog");
			assertThat(context).hasSingleBean(EventLoopMonitor.class);
		});
	}

	@Test
	void reactorNettyLoopsAreLeftOutWithoutReactorNetty() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HttpResources.class)).run((context) -> {
			assertThat(context).hasSingleBean(EventLoopWatchdog.class)
				.hasSingleBean(ParallelSchedulerLoopSource.class)
				.doesNotHaveBean(ReactorNettyLoopSource.class);
		});
	}

	@Test
	void reactorNettyLoopsComeFromTheResourceFactoryBean() {
		this.contextRunner.withUserConfiguration(ResourceFactoryConfiguration.class)
			.withPropertyValues("bridge.eventloop.watchdog.interval=10ms")
			.run((context) -> {
				EventLoopWatchdog watchdog = context.getBean(EventLoopWatchdog.class);
				await().untilAsserted(() -> assertThat(watchdog.loops())
					.filteredOn((stats) -> stats.group().equals(ReactorNettyLoopSource.GROUP))
					.extracting(LoopStats::thread)
					.hasSize(2)
					.allMatch((thread) -> thread.startsWith("factory-loops")));
			});
	}

	@Test
	void metersGoToTheMeterRegistry() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					BridgeMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class)
			.withPropertyValues("management.metrics.use-global-registry=false")
			.withPropertyValues("bridge.eventloop.watchdog.interval=10ms")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("bridge.eventloop.stall").gauge().value()).isZero();
				assertThat(registry.get("bridge.eventloop.stalls").functionCounters()).extracting((counter) -> counter
					.getId()
					.getTag("cause")).containsExactlyInAnyOrder("blocked", "busy", "starved", "jvm-pause");
				assertThat(registry.get("bridge.eventloop.stalls").functionCounters())
					.allMatch((counter) -> counter.count() == 0);
				assertThat(context).hasSingleBean(EventLoopMetrics.class);
				assertThat(registry.find("bridge.eventloop.blocking.calls").functionCounter()).isNotNull();
				// probes run from the start; only their delays after the start-up grace are recorded
				assertThat(registry.get("bridge.eventloop.delay").tag("group", "parallel").timer()).isNotNull();
			});
	}

	@Test
	void delaysAreRecordedAfterTheStartUpGrace() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					BridgeMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class)
			.withPropertyValues("management.metrics.use-global-registry=false")
			.withPropertyValues("bridge.eventloop.watchdog.interval=10ms", "bridge.eventloop.watchdog.startup-grace=0s")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				await().until(() -> registry.get("bridge.eventloop.delay").tag("group", "parallel").timer().count() > 0);
			});
	}

	@Test
	void callSiteRecorderIsOffByDefaultAndOnByProperty() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(LoopCallRecorder.class));
		this.contextRunner
			.withPropertyValues("bridge.eventloop.call-sites.enabled=true", "bridge.eventloop.call-sites.threshold=5ms")
			.run((context) -> {
				assertThat(context).hasSingleBean(LoopCallRecorder.class);
				LoopCallRecorder recorder = context.getBean(LoopCallRecorder.class);
				assertThat(recorder.isRunning()).isTrue();
				assertThat(recorder.getThreshold()).isEqualTo(Duration.ofMillis(5));
			});
	}

	@Test
	void blockHoundIsOffByDefault() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(BlockHoundReporter.class));
	}

	@Test
	void blockHoundBacksOffWithoutBlockHound() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(BlockHound.class))
			.withPropertyValues("bridge.blockhound.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(BlockHoundReporter.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserWatchdogConfiguration {

		@Bean
		EventLoopWatchdog userWatchdog(EventLoopReports reports) {
			List<EventLoopSource> sources = List.of(new ParallelSchedulerLoopSource());
			return new EventLoopWatchdog(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ZERO, sources, reports);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ResourceFactoryConfiguration {

		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			ReactorResourceFactory factory = new ReactorResourceFactory();
			factory.setUseGlobalResources(false);
			factory.setLoopResourcesSupplier(() -> LoopResources.create("factory-loops", 2, true));
			factory.setShutdownQuietPeriod(Duration.ZERO);
			return factory;
		}

	}

}
