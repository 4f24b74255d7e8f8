package dev.bridge.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.bridge.BlockingBridge;
import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.metrics.BlockingPoolMetrics;
import dev.bridge.metrics.EventLoopMetrics;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the meters of Bridge's pools and
 * event loops.
 */
// Boot's metrics module is optional: named, not referenced (see BridgeAutoConfiguration).
@AutoConfiguration(after = { BridgeAutoConfiguration.class, BridgeEventLoopAutoConfiguration.class },
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass({ MeterRegistry.class, ExecutorServiceMetrics.class })
@ConditionalOnBean({ MeterRegistry.class, BlockingBridge.class })
public final class BridgeMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	BlockingPoolMetrics blockingPoolMetrics(BlockingBridge bridge) {
		return new BlockingPoolMetrics(bridge);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(EventLoopReports.class)
	EventLoopMetrics eventLoopMetrics(EventLoopReports reports, ObjectProvider<EventLoopWatchdog> watchdog) {
		return new EventLoopMetrics(reports, watchdog.getIfUnique());
	}

}
