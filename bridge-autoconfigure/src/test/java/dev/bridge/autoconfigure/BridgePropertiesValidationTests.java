package dev.bridge.autoconfigure;

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
			bridge.pools.default.max-threads        | 0     | must be strictly positive, was 0
			bridge.pools.images.max-threads         | -3    | must be strictly positive, was -3
			bridge.pools.images.queue-capacity      | -1    | must be positive or zero, was -1
			bridge.pools.images.keep-alive          | 0s    | must be strictly positive, was 0s
			bridge.pools.default.timeout            | -1s   | must be strictly positive, was -1s
			bridge.shutdown.await-termination       | -5s   | must be positive or zero, was PT-5S
			bridge.eventloop.watchdog.interval      | 0ms   | must be at least 1ms, was PT0S
			bridge.eventloop.watchdog.interval      | 500us | must be at least 1ms, was PT0.0005S
			bridge.eventloop.call-sites.threshold   | -1ms  | must be positive or zero, was PT-0.001S
			bridge.eventloop.watchdog.threshold     | -1ms  | must be strictly positive, was PT-0.001S
			bridge.eventloop.watchdog.startup-grace | -1s   | must be positive or zero, was PT-1S
			bridge.guard.mode                       | loud  | failed to convert
			bridge.pools.images.max-threads         | many  | failed to convert
			bridge.pools.images.keep-alive          | later | failed to convert
			""")
	void invalidValueFailsStartUpWithAnAnalysisNamingTheProperty(String property, String value, String reason,
			CapturedOutput output) {
		assertThatException().isThrownBy(() -> new SpringApplicationBuilder(Config.class)
			.web(WebApplicationType.NONE)
			.properties(property + "=" + value)
			.run());
		String analysis = output.getOut().substring(output.getOut().lastIndexOf("APPLICATION FAILED TO START"));
		assertThat(analysis).contains("\"" + property + "\"").containsIgnoringCase(reason)
			.contains("Update your application's configuration");
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
