package dev.bridge.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.mock.env.MockEnvironment;

import dev.bridge.BlockingBridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * With {@code bridge.enabled=false} there is no {@link BlockingBridge} bean: an application
 * that injects one fails to start with an analysis naming the property and the fixes.
 */
@ExtendWith(OutputCaptureExtension.class)
class BridgeDisabledTests {

	@Test
	void injectingTheBridgeWhenDisabledFailsWithAnAnalysisNamingTheProperty(CapturedOutput output) {
		assertThatException().isThrownBy(() -> run("--bridge.enabled=false").close());
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("A component needs a dev.bridge.BlockingBridge bean, but bridge.enabled=false switched "
					+ "Bridge off, so none exists.")
			.contains("Remove bridge.enabled=false (or set it to true), or make the dependency optional "
					+ "(inject ObjectProvider<BlockingBridge> and call getIfAvailable())");
	}

	@Test
	void injectingTheBridgeWhenEnabledStarts() {
		try (ConfigurableApplicationContext context = run("--bridge.pools.default.max-threads=2")) {
			assertThat(context.getBean(NeedsBridge.class).bridge.pool("default").settings().maxThreads()).isEqualTo(2);
		}
	}

	@Test
	void otherMissingBeansAreLeftToSpringBootsAnalysis() {
		MockEnvironment environment = new MockEnvironment().withProperty("bridge.enabled", "false");
		BridgeDisabledFailureAnalyzer analyzer = new BridgeDisabledFailureAnalyzer(environment);
		FailureAnalysis other = analyzer.analyze(new NoSuchBeanDefinitionException(String.class));
		FailureAnalysis bridge = analyzer.analyze(new NoSuchBeanDefinitionException(BlockingBridge.class));
		assertThat(other).isNull();
		assertThat(bridge).isNotNull();
		assertThat(new BridgeDisabledFailureAnalyzer(new MockEnvironment())
			.analyze(new NoSuchBeanDefinitionException(BlockingBridge.class))).isNull();
	}

	private static ConfigurableApplicationContext run(String... args) {
		SpringApplication application = new SpringApplication(App.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		return application.run(args);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(NeedsBridge.class)
	static class App {

	}

	static class NeedsBridge {

		final BlockingBridge bridge;

		NeedsBridge(BlockingBridge bridge) {
			this.bridge = bridge;
		}

	}

}
