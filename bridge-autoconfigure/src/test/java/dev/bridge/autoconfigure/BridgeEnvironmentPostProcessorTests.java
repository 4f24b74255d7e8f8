package dev.bridge.autoconfigure;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BridgeEnvironmentPostProcessor}.
 */
class BridgeEnvironmentPostProcessorTests {

	private final BridgeEnvironmentPostProcessor processor = new BridgeEnvironmentPostProcessor();

	private String propagationAfter(WebApplicationType type, Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
		SpringApplication application = new SpringApplication();
		application.setWebApplicationType(type);
		this.processor.postProcessEnvironment(environment, application);
		return environment.getProperty("spring.reactor.context-propagation");
	}

	@Test
	void webFluxAppsGetAutomaticContextPropagationByDefault() {
		assertThat(propagationAfter(WebApplicationType.REACTIVE, Map.of())).isEqualTo("auto");
	}

	@Test
	void aUsersSettingWins() {
		assertThat(propagationAfter(WebApplicationType.REACTIVE,
				Map.of("spring.reactor.context-propagation", "limited")))
			.isEqualTo("limited");
	}

	@Test
	void otherAppsAndDisabledBridgeAreLeftAlone() {
		assertThat(propagationAfter(WebApplicationType.NONE, Map.of())).isNull();
		assertThat(propagationAfter(WebApplicationType.SERVLET, Map.of())).isNull();
		assertThat(propagationAfter(WebApplicationType.REACTIVE, Map.of("bridge.enabled", "false"))).isNull();
	}

}
