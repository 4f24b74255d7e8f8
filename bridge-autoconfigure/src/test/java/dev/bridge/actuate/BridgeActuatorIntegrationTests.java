package dev.bridge.actuate;

import java.time.Duration;
import java.util.List;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A WebFlux application on a real Netty port: {@code /actuator/bridge},
 * {@code /actuator/metrics/*} and {@code /actuator/health} show Bridge's figures.
 */
@SpringBootTest(classes = BridgeActuatorIntegrationTests.TestApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=health,metrics,bridge",
				"management.endpoint.health.show-details=always", "management.metrics.use-global-registry=false",
				"bridge.pools.default.max-threads=4", "bridge.pools.default.queue-capacity=8",
				"bridge.pools.reports.max-threads=2", "bridge.pools.reports.timeout=5s" })
@AutoConfigureWebTestClient
class BridgeActuatorIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final ParameterizedTypeReference<List<Double>> DOUBLES = new ParameterizedTypeReference<>() {
	};

	private static final ParameterizedTypeReference<List<String>> STRINGS = new ParameterizedTypeReference<>() {
	};

	@Autowired
	private WebTestClient client;

	@BeforeEach
	void callABlockingRoute() {
		this.client.get()
			.uri("/greeting")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((body) -> assertThat(body).startsWith("hello from bridge-default-"));
		// The pool counts a task as completed once its thread has left it, which can be just
		// after the response.
		await().atMost(WAIT).untilAsserted(() -> this.client.get()
			.uri("/actuator/metrics/executor.completed?tag=name:bridge.default")
			.exchange()
			.expectBody()
			.jsonPath("$.measurements[0].value")
			.value(Double.class, (completed) -> assertThat(completed).isPositive()));
	}

	@Test
	void bridgeEndpointShowsEachPoolsConfigurationAndFigures() {
		this.client.get()
			.uri("/actuator/bridge")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.closed").isEqualTo(false)
			.jsonPath("$.pools.default.config.maxThreads").isEqualTo(4)
			.jsonPath("$.pools.default.config.queueCapacity").isEqualTo(8)
			.jsonPath("$.pools.default.config.keepAlive").isEqualTo("PT1M")
			.jsonPath("$.pools.default.config.virtualThreads").isEqualTo(false)
			.jsonPath("$.pools.default.config.interruptOnCancel").isEqualTo(true)
			.jsonPath("$.pools.default.completed").value(Integer.class, (count) -> assertThat(count).isPositive())
			.jsonPath("$.pools.default.queued").isEqualTo(0)
			.jsonPath("$.pools.default.rejected").isEqualTo(0)
			.jsonPath("$.pools.default.cancelled").isEqualTo(0)
			.jsonPath("$.pools.reports.config.maxThreads").isEqualTo(2)
			.jsonPath("$.pools.reports.config.timeout").isEqualTo("PT5S")
			.jsonPath("$.pools.reports.threads").isEqualTo(0)
			.jsonPath("$.eventLoops.monitored").isEqualTo(true)
			.jsonPath("$.eventLoops.loops").isArray()
			.jsonPath("$.eventLoops.recentStalls").isArray()
			.jsonPath("$.guard.active").isEqualTo(true)
			.jsonPath("$.guard.mode").isEqualTo("warn");
	}

	@Test
	void metricsEndpointShowsThePoolsExecutorMeters() {
		this.client.get()
			.uri("/actuator/metrics/executor.queued")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.availableTags[?(@.tag == 'name')].values[*]")
			.value(STRINGS, (names) -> assertThat(names).contains("bridge.default", "bridge.reports"));
		this.client.get()
			.uri("/actuator/metrics/executor.queued?tag=name:bridge.default")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.measurements[0].value").isEqualTo(0.0);
		this.client.get()
			.uri("/actuator/metrics/executor.pool.max?tag=name:bridge.reports")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.measurements[0].value").isEqualTo(2.0);
		this.client.get()
			.uri("/actuator/metrics/executor?tag=name:bridge.default")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.measurements[?(@.statistic == 'COUNT')].value")
			.value(DOUBLES, (count) -> assertThat(count).singleElement(InstanceOfAssertFactories.DOUBLE).isPositive());
		this.client.get()
			.uri("/actuator/metrics/bridge.pool.rejected?tag=pool:default")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.measurements[0].value").isEqualTo(0.0);
		this.client.get()
			.uri("/actuator/metrics/bridge.blocking?tag=method:Greeter.greet&tag=pool:default")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.measurements[?(@.statistic == 'COUNT')].value")
			.value(DOUBLES, (count) -> assertThat(count).singleElement(InstanceOfAssertFactories.DOUBLE).isPositive());
	}

	@Test
	void healthShowsTheBridgeUpWithEachPoolsSaturation() {
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status").isEqualTo("UP")
			.jsonPath("$.components.bridge.status").isEqualTo("UP")
			.jsonPath("$.components.bridge.details.pools.default.queued").isEqualTo(0)
			.jsonPath("$.components.bridge.details.pools.default.queueCapacity").isEqualTo(8)
			.jsonPath("$.components.bridge.details.pools.default.active").isEqualTo(0)
			.jsonPath("$.components.bridge.details.pools.default.maxThreads").isEqualTo(4)
			.jsonPath("$.components.bridge.details.pools.default.saturated").isEqualTo(false)
			.jsonPath("$.components.bridge.details.pools.reports.maxThreads").isEqualTo(2)
			.jsonPath("$.components.bridge.details.eventLoops.monitored").isEqualTo(true)
			.jsonPath("$.components.bridge.details.warnings").doesNotExist();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ GreetingController.class, Greeter.class })
	static class TestApplication {

	}

	@RestController
	static class GreetingController {

		private final Greeter greeter;

		GreetingController(Greeter greeter) {
			this.greeter = greeter;
		}

		@GetMapping("/greeting")
		Mono<String> greeting() {
			return this.greeter.greet();
		}

	}

	static class Greeter {

		@Blocking
		public Mono<String> greet() {
			return Mono.just("hello from " + Thread.currentThread().getName());
		}

	}

}
