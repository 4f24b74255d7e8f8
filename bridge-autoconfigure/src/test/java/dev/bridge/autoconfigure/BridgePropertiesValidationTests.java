package dev.bridge.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Each invalid {@code bridge.*} value fails start-up with Spring Boot's failure analysis
 * (not a raw stack trace) naming the property and what is wrong.
 */
@ExtendWith(OutputCaptureExtension.class)
class BridgePropertiesValidationTests {

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			bridge.pools.default.max-threads        | 0          | must be strictly positive, was 0
			bridge.pools.images.max-threads         | -3         | must be strictly positive, was -3
			bridge.pools.images.max-threads         | 2147483647 | must be at most 32767
			bridge.pools.images.max-threads         | 32768      | must be at most 32767
			bridge.pools.images.queue-capacity      | -1         | must be positive or zero, was -1
			bridge.pools.images.keep-alive          | 0s         | must be strictly positive, was 0s
			bridge.pools.images.keep-alive          | 106752d    | must be at most 106751d (the longest duration in nanoseconds), was 106752d
			bridge.pools.default.timeout            | -1s        | must be strictly positive, was -1s
			bridge.pools.default.timeout            | 106752d    | must be at most 106751d (the longest duration in nanoseconds), was 106752d
			bridge.shutdown.await-termination       | -5s        | must be positive or zero, was -5s
			bridge.shutdown.await-termination       | 106752d    | must be at most 106751d (the longest duration in nanoseconds), was 106752d
			bridge.eventloop.watchdog.interval      | 0ms        | must be at least 1ms, was 0s
			bridge.eventloop.watchdog.interval      | 1ns        | must be at least 1ms, was 1ns
			bridge.eventloop.watchdog.interval      | 106752d    | must be at most 106751d
			bridge.eventloop.watchdog.threshold     | -1ms       | must be at least 1ms, was -1ms
			bridge.eventloop.watchdog.threshold     | 999us      | must be at least 1ms, was 999us
			bridge.eventloop.watchdog.threshold     | 106752d    | must be at most 106751d
			bridge.eventloop.watchdog.startup-grace | -1s        | must be positive or zero, was -1s
			bridge.eventloop.watchdog.startup-grace | 106752d    | must be at most 106751d
			bridge.eventloop.watchdog.interval      | 500us      | must be at least 1ms, was 500us
			bridge.eventloop.call-sites.threshold   | -1ms       | must be positive or zero, was -1ms
			bridge.guard.mode                       | loud       | not one of fail, warn, off
			bridge.pools.images.max-threads         | many       | failed to convert
			bridge.pools.images.keep-alive          | later      | failed to convert
			""")
	void invalidValueFailsStartUpWithAnAnalysisNamingTheProperty(String property, String value, String reason,
			CapturedOutput output) {
		assertThatException().isThrownBy(() -> new SpringApplicationBuilder(Config.class)
			.web(WebApplicationType.NONE)
			.properties(property + "=" + value)
			.run());
		String analysis = output.getOut().substring(output.getOut().lastIndexOf("APPLICATION FAILED TO START"));
		assertThat(analysis).contains("Property: " + property).contains("Value: \"" + value + "\"")
			.contains("\"" + property + "\"").containsIgnoringCase(reason)
			.contains("Update your application's configuration")
			.doesNotContain("maxThreads", "queueCapacity", "keepAlive", "awaitTermination", "startupGrace", "PT");
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', textBlock = """
			bridge.pools.x.max-thread=4          | bridge.pools.x.max-thread is not a setting of pool 'x'
			bridge.pools.a.b.max-threads=2       | bridge.pools.a.b.max-threads is not a setting of pool 'a' (a pool name cannot contain dots)
			bridge.pools[a.b].max-threads=2      | bridge.pools[a.b].max-threads names pool 'a.b', which is not a valid pool name
			bridge.pools[my pool].max-threads=2  | bridge.pools[my pool].max-threads names pool 'my pool', which is not a valid pool name
			""")
	void keyThatBindsToNoPoolSettingFailsStartUpNamingIt(String property, String description, CapturedOutput output) {
		assertThatException().isThrownBy(() -> new SpringApplicationBuilder(Config.class)
			.web(WebApplicationType.NONE)
			.properties(property, "bridge.eventloop.watchdog.enabled=false")
			.run());
		String analysis = output.getOut().substring(output.getOut().lastIndexOf("APPLICATION FAILED TO START"));
		assertThat(analysis).contains("Description:\n\n" + description)
			.contains("Action:\n\nUpdate your application's configuration: ")
			.contains("letters, digits, '-' and '_' only");
	}

	@Test
	void poolNameWithASpaceInAPropertiesFileFailsStartUp() {
		assertThatException().isThrownBy(() -> BridgeProperties.checkPoolKey("bridge.pools.my pool.max-threads"))
			.withMessage("bridge.pools.my pool.max-threads names pool 'my pool', which is not a valid pool name; "
					+ "name pools with letters, digits, '-' and '_' only, as in bridge.pools.my-pool.max-threads");
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "bridge.pools.images.max-threads", "bridge.pools.images.maxThreads", "bridge.pools.images.max_threads",
			"bridge.pools[my-pool_2].queue-capacity", "bridge.pools.a.interrupt-on-cancel", "bridge.poolsize",
			"bridge.demo.anything" })
	void knownPoolSettingsAndOtherKeysPass(String property) {
		BridgeProperties.checkPoolKey(property);
	}

	@Test
	void unknownGuardModeListsTheAcceptedValuesAsWrittenInProperties(CapturedOutput output) {
		assertThatException().isThrownBy(() -> new SpringApplicationBuilder(Config.class)
			.web(WebApplicationType.NONE)
			.properties("bridge.guard.mode=loud")
			.run());
		String analysis = output.getOut().substring(output.getOut().lastIndexOf("APPLICATION FAILED TO START"));
		assertThat(analysis).contains("Property: bridge.guard.mode")
			.contains("Reason: not one of fail, warn, off")
			.contains("set bridge.guard.mode to one of fail, warn, off")
			.doesNotContain("    FAIL\n");
	}

	@ParameterizedTest(name = "guard mode {0}")
	@CsvSource({ "fail", "FAIL", "warn", "off" })
	void validGuardModesAreAcceptedInAnyCase(String mode) {
		try (var context = new SpringApplicationBuilder(Config.class).web(WebApplicationType.NONE)
			.properties("bridge.guard.mode=" + mode, "bridge.eventloop.watchdog.enabled=false")
			.run()) {
			assertThat(context.getBean(BridgeProperties.class).getGuard().getMode().name())
				.isEqualToIgnoringCase(mode);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ AopAutoConfiguration.class, BridgeAutoConfiguration.class,
			BridgeAspectAutoConfiguration.class })
	static class Config {

	}

}
