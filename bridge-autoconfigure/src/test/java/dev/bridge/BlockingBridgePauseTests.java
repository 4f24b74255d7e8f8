package dev.bridge;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import dev.bridge.autoconfigure.BridgeAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge in a context that Spring's test support pauses and restarts between test
 * classes.
 */
class BlockingBridgePauseTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(BridgeAutoConfiguration.class));

	@Test
	void poolsStillTakeWorkAfterTheContextIsPausedAndRestarted() {
		this.runner.run((context) -> {
			ConfigurableApplicationContext application = context
				.getSourceApplicationContext(ConfigurableApplicationContext.class);
			application.pause();
			application.restart();
			BlockingBridge bridge = context.getBean(BlockingBridge.class);
			assertThat(bridge.isRunning()).isTrue();
			assertThat(bridge.spawn(() -> Thread.currentThread().getName()).block(Duration.ofSeconds(10)))
				.startsWith("bridge-default-");
		});
	}

	@Test
	void poolsStopWhenTheContextStops() {
		this.runner.run((context) -> {
			BlockingBridge bridge = context.getBean(BlockingBridge.class);
			context.getSourceApplicationContext(ConfigurableApplicationContext.class).stop();
			assertThat(bridge.isRunning()).isFalse();
		});
	}

}
