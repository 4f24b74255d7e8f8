package dev.bridge.eventloop;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.bridge.BridgeConfigurationException;
import dev.bridge.autoconfigure.BridgeAutoConfiguration;
import dev.bridge.autoconfigure.BridgeEventLoopAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code bridge.blockhound.enabled=true} on a JVM started without the flag that BlockHound
 * needs. Runs in a JVM of its own, started without the flag (see the surefire executions);
 * elsewhere it is skipped.
 */
class BlockHoundWithoutRedefinitionFlagTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BridgeAutoConfiguration.class, BridgeEventLoopAutoConfiguration.class))
		.withPropertyValues("bridge.blockhound.enabled=true", "bridge.eventloop.watchdog.enabled=false");

	@Test
	void startUpFailsNamingThePropertyAndTheFlag() {
		assumeFalse(ManagementFactory.getRuntimeMXBean().getInputArguments().contains(BlockHoundReporter.REDEFINITION_FLAG),
				"this JVM has " + BlockHoundReporter.REDEFINITION_FLAG);
		for (int attempt = 0; attempt < 2; attempt++) {
			// BlockHound cannot be installed twice: a second context must fail the same way
			this.contextRunner.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).cause()
					.isInstanceOf(BridgeConfigurationException.class)
					.hasMessage("bridge.blockhound.enabled is true but BlockHound could not instrument this JVM "
							+ "(IllegalStateException: The instrumentation have failed.); start the JVM with "
							+ "-XX:+AllowRedefinitionToAddDeleteMethods (BlockHound needs it on JDK 13 and newer), "
							+ "or set bridge.blockhound.enabled=false");
			});
		}
		assertThat(BridgeBlockHoundIntegration.isApplied()).isTrue();
	}

}
