package dev.bridge.autoconfigure;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Boot's observation and metrics auto-configuration, each offloaded call is a
 * {@code bridge.blocking} timer, and a child of the caller's observation.
 */
class BridgeObservationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, AopAutoConfiguration.class, BridgeAutoConfiguration.class,
				BridgeAspectAutoConfiguration.class))
		.withPropertyValues("management.metrics.use-global-registry=false")
		.withUserConfiguration(RepositoryConfiguration.class);

	@Test
	void spawnIsABridgeBlockingTimerTaggedWithPoolAndMethod() {
		this.contextRunner.run((context) -> {
			assertThat(context.getBean(BlockingBridge.class).spawn(() -> "done").block(WAIT)).isEqualTo("done");
			Timer timer = context.getBean(MeterRegistry.class)
				.get(BlockingBridge.OBSERVATION_NAME)
				.tags("pool", "default", "method", "BlockingBridge.spawn")
				.timer();
			assertThat(timer.count()).isEqualTo(1);
		});
	}

	@Test
	void blockingMonoMethodIsABridgeBlockingTimerTaggedWithPoolAndMethod() {
		this.contextRunner.run((context) -> {
			Repository repository = context.getBean(Repository.class);
			assertThat(repository.find("42").block(WAIT)).startsWith("42 on bridge-default-");
			Timer timer = context.getBean(MeterRegistry.class)
				.get(BlockingBridge.OBSERVATION_NAME)
				.tags("pool", "default", "method", "Repository.find", "error", "none")
				.timer();
			assertThat(timer.count()).isEqualTo(1);
		});
	}

	@Test
	void blockingFluxMethodIsABridgeBlockingTimerTaggedWithPoolAndMethod() {
		this.contextRunner.run((context) -> {
			assertThat(context.getBean(Repository.class).findAll().collectList().block(WAIT)).containsExactly("a", "b");
			Timer timer = context.getBean(MeterRegistry.class)
				.get(BlockingBridge.OBSERVATION_NAME)
				.tags("pool", "default", "method", "Repository.findAll")
				.timer();
			assertThat(timer.count()).isEqualTo(1);
		});
	}

	@Test
	void blockingMonoMethodIsAStoppedObservationTaggedWithPoolAndMethod() {
		this.contextRunner.withBean(ObservationRegistry.class, TestObservationRegistry::create).run((context) -> {
			TestObservationRegistry registry = (TestObservationRegistry) context.getBean(ObservationRegistry.class);
			context.getBean(Repository.class).find("42").block(WAIT);
			assertThat(registry).hasObservationWithNameEqualTo(BlockingBridge.OBSERVATION_NAME)
				.that()
				.hasLowCardinalityKeyValue("pool", "default")
				.hasLowCardinalityKeyValue("method", "Repository.find")
				.hasBeenStopped();
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class RepositoryConfiguration {

		@Bean
		Repository repository() {
			return new Repository();
		}

	}

	static class Repository {

		@Blocking
		public Mono<String> find(String id) {
			return Mono.just(id + " on " + Thread.currentThread().getName());
		}

		@Blocking
		public Flux<String> findAll() {
			return Flux.just("a", "b");
		}

	}

}
