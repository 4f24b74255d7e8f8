package dev.bridge.benchmarks.jmh;

import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import dev.bridge.autoconfigure.BridgeAspectAutoConfiguration;
import dev.bridge.autoconfigure.BridgeAutoConfiguration;
import dev.bridge.observation.BlockingCallMeterObservationHandler;

/**
 * Small Spring applications holding a {@link Work} bean behind a real {@code @Blocking}
 * proxy: only Bridge's auto-configuration, so that nothing else on the class path (the demo,
 * Actuator) adds to what is measured.
 */
public final class BenchContext {

	private BenchContext() {
	}

	/**
	 * Starts a non-web application.
	 * @param observed whether offloaded calls are observed into a meter registry, as in an
	 * application with Actuator
	 * @return the running context
	 */
	public static ConfigurableApplicationContext start(boolean observed) {
		return new SpringApplicationBuilder(observed ? Observed.class : Plain.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties("logging.level.root=WARN")
			.run();
	}

	/**
	 * Bridge with its aspect; no observation registry, so observations are no-ops.
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ AopAutoConfiguration.class, BridgeAutoConfiguration.class,
			BridgeAspectAutoConfiguration.class })
	public static class Plain {

		@Bean
		Work work() {
			return new Work();
		}

	}

	/**
	 * As {@link Plain}, with every offloaded call timed into a meter registry by the meter
	 * handlers Boot's auto-configuration groups: Bridge's for its calls ahead of
	 * Micrometer's for every other observation. {@code -Dbench.meter-handler=micrometer}
	 * leaves Bridge's out, so that Micrometer's handler records the calls too.
	 */
	@Configuration(proxyBeanMethods = false)
	@Import(Plain.class)
	public static class Observed {

		@Bean
		ObservationRegistry observationRegistry() {
			SimpleMeterRegistry meters = new SimpleMeterRegistry();
			DefaultMeterObservationHandler micrometers = new DefaultMeterObservationHandler(meters);
			String handler = System.getProperty("bench.meter-handler", "bridge");
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler(switch (handler) {
				case "bridge" -> new FirstMatchingCompositeObservationHandler(
						new BlockingCallMeterObservationHandler(meters), micrometers);
				case "micrometer" -> micrometers;
				default -> throw new IllegalArgumentException(
						"-Dbench.meter-handler=" + handler + " is not a meter handler: use bridge or micrometer");
			});
			return registry;
		}

	}

}
