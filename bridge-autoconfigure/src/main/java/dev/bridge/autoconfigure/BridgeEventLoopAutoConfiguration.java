package dev.bridge.autoconfigure;

import java.time.Duration;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

import dev.bridge.eventloop.BlockHoundReporter;
import dev.bridge.eventloop.EventLoopMonitor;
import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopSource;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.LoopCallRecorder;
import dev.bridge.eventloop.ParallelSchedulerLoopSource;
import dev.bridge.eventloop.ReactorNettyLoopSource;
import reactor.blockhound.BlockHound;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for watching event loops: the stall
 * watchdog over Reactor Netty's loops and {@code Schedulers.parallel()}, the call-site
 * recorder ({@code bridge.eventloop.call-sites.enabled}), and BlockHound reporting through
 * the same channel.
 */
@AutoConfiguration(after = BridgeAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "bridge.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BridgeProperties.class)
public final class BridgeEventLoopAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	EventLoopReports bridgeEventLoopReports() {
		return new EventLoopReports();
	}

	// member classes register their beans first, so this sees the watchdog when there is one
	@Bean
	@ConditionalOnMissingBean(EventLoopMonitor.class)
	EventLoopMonitor bridgeEventLoopMonitor(EventLoopReports reports) {
		return reports.withoutWatchdog();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "bridge.eventloop.watchdog.enabled", matchIfMissing = true)
	static class WatchdogConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ParallelSchedulerLoopSource bridgeParallelLoopSource() {
			return new ParallelSchedulerLoopSource();
		}

		@Bean
		@ConditionalOnMissingBean
		EventLoopWatchdog bridgeEventLoopWatchdog(BridgeProperties properties, ObjectProvider<EventLoopSource> sources,
				EventLoopReports reports) {
			return new EventLoopWatchdog(properties.getEventloop().getWatchdog().toSettings(),
					sources.orderedStream().toList(), reports);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "bridge.eventloop.watchdog.enabled", matchIfMissing = true)
	@ConditionalOnClass({ HttpResources.class, ReactorResourceFactory.class })
	static class ReactorNettyWatchdogConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ReactorNettyLoopSource bridgeReactorNettyLoopSource(ObjectProvider<ReactorResourceFactory> resourceFactory) {
			return new ReactorNettyLoopSource(loopResources(resourceFactory.getIfUnique()));
		}

		/**
		 * The loops of Spring's resource factory while it runs (asking a stopped factory would
		 * start it again), else Reactor Netty's global resources, which WebClient and
		 * HttpServer use when nobody configured any.
		 */
		private static Supplier<@Nullable LoopResources> loopResources(@Nullable ReactorResourceFactory factory) {
			if (factory == null) {
				return HttpResources::get;
			}
			return () -> factory.isRunning() ? factory.getLoopResources() : null;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty("bridge.eventloop.call-sites.enabled")
	@ConditionalOnClass(name = "jdk.jfr.consumer.RecordingStream")
	static class CallSitesConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LoopCallRecorder bridgeLoopCallRecorder(BridgeProperties properties, EventLoopReports reports,
				ObjectProvider<EventLoopWatchdog> watchdog) {
			EventLoopWatchdog loops = watchdog.getIfUnique();
			Duration threshold = properties.getEventloop().getCallSites().getThreshold();
			return (loops != null) ? new LoopCallRecorder(reports, loops, threshold)
					: new LoopCallRecorder(reports, LoopCallRecorder.reactorLoopThreads(), threshold);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(BlockHound.class)
	@ConditionalOnBooleanProperty("bridge.blockhound.enabled")
	static class BlockHoundConfiguration {

		@Bean
		@ConditionalOnMissingBean
		BlockHoundReporter bridgeBlockHoundReporter(EventLoopReports reports) {
			return new BlockHoundReporter(reports);
		}

	}

}
