package dev.bridge.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
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
import dev.bridge.observation.BlockingCallContext;
import dev.bridge.observation.BlockingCallContexts;
import dev.bridge.observation.BlockingCallMeterObservationHandler;
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
				BridgeAspectAutoConfiguration.class, BridgeMetricsAutoConfiguration.class))
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

	@Test
	void bridgesMeterHandlerRecordsTheCallsAheadOfBootsAndBootsRecordsTheOthers() {
		this.contextRunner.withBean(ContextsSeen.class, ContextsSeen::new).run((context) -> {
			assertThat(context).hasSingleBean(BlockingCallMeterObservationHandler.class);
			context.getBean(Repository.class).find("42").block(WAIT);
			Observation.createNotStarted("other", context.getBean(ObservationRegistry.class)).observe(() -> {
			});
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.get(BlockingBridge.OBSERVATION_NAME).tag("method", "Repository.find").timer().count())
				.isEqualTo(1);
			assertThat(meters.get("other").timer().count()).isEqualTo(1);
			assertThat(context.getBean(ContextsSeen.class).calls)
				.singleElement()
				.satisfies((call) -> assertThat(BlockingCallContexts.recordedByBridge(call)).isTrue());
		});
	}

	@Test
	void bootsIgnoredMetersPropertyAppliesToTheCalls() {
		this.contextRunner.withPropertyValues("management.metrics.observations.ignored-meters=long-task-timer")
			.run((context) -> {
				context.getBean(Repository.class).find("42").block(WAIT);
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				assertThat(meters.get(BlockingBridge.OBSERVATION_NAME).timer().count()).isEqualTo(1);
				assertThat(meters.find(BlockingBridge.OBSERVATION_NAME + ".active").meter()).isNull();
			});
		this.contextRunner.run((context) -> {
			context.getBean(Repository.class).find("42").block(WAIT);
			assertThat(context.getBean(MeterRegistry.class).find(BlockingBridge.OBSERVATION_NAME + ".active").meter())
				.isNotNull();
		});
	}

	/** Keeps the context of every {@code bridge.blocking} observation it sees. */
	static class ContextsSeen implements ObservationHandler<BlockingCallContext> {

		final List<BlockingCallContext> calls = new CopyOnWriteArrayList<>();

		@Override
		public void onStop(BlockingCallContext context) {
			this.calls.add(context);
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return context instanceof BlockingCallContext;
		}

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
