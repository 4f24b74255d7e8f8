package dev.bridge.autoconfigure;

import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;

import dev.bridge.BlockingBridge;
import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.metrics.BlockingPoolMetrics;
import dev.bridge.metrics.EventLoopMetrics;
import dev.bridge.observation.BlockingCallMeterObservationHandler;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the meters of Bridge's pools and
 * event loops, and of its {@code bridge.blocking} observations.
 */
// Boot's metrics module is optional: named, not referenced (see BridgeAutoConfiguration).
@AutoConfiguration(after = { BridgeAutoConfiguration.class, BridgeEventLoopAutoConfiguration.class },
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass({ MeterRegistry.class, ExecutorServiceMetrics.class })
@ConditionalOnBean({ MeterRegistry.class, BlockingBridge.class })
public final class BridgeMetricsAutoConfiguration {

	/**
	 * Creates the auto-configuration, which Spring Boot instantiates when it applies it.
	 */
	public BridgeMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	BlockingPoolMetrics blockingPoolMetrics(BlockingBridge bridge) {
		return new BlockingPoolMetrics(bridge);
	}

	/**
	 * Records the {@code bridge.blocking} observations, where Boot groups its meter
	 * handlers and calls the first that supports a context: ahead of Boot's
	 * {@link DefaultMeterObservationHandler} (which has no order), with the same meters at a
	 * fraction of the cost per call.
	 * @param registry where the meters are registered
	 * @param environment for {@code management.metrics.observations.ignored-meters}, which
	 * Boot's handler honours too
	 * @return the handler
	 */
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(DefaultMeterObservationHandler.class)
	@Order(Ordered.LOWEST_PRECEDENCE - 100)
	BlockingCallMeterObservationHandler blockingCallMeterObservationHandler(MeterRegistry registry,
			Environment environment) {
		IgnoredMeters[] ignored = Binder.get(environment)
			.bind("management.metrics.observations.ignored-meters", Bindable.setOf(IgnoredMeters.class))
			.orElse(Set.of())
			.toArray(IgnoredMeters[]::new);
		return new BlockingCallMeterObservationHandler(registry, ignored);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(EventLoopReports.class)
	EventLoopMetrics eventLoopMetrics(EventLoopReports reports, ObjectProvider<EventLoopWatchdog> watchdog) {
		return new EventLoopMetrics(reports, watchdog.getIfUnique());
	}

}
