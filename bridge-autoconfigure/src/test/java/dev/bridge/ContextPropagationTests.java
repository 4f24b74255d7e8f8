package dev.bridge;

import java.time.Duration;
import java.util.List;

import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

import dev.bridge.context.ContextCarrier;
import dev.bridge.offload.Offloaders;
import dev.bridge.pool.PoolSettings;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller's context reaches the blocking body: MDC, values of the Reactor context that
 * have a registered accessor, and the call's own {@code bridge.blocking} observation as the
 * current one (its parent is asserted in {@code OffloadObservationTests}).
 */
class ContextPropagationTests {

	private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

	private static final String TENANT_KEY = "test.tenant";

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	private final BlockingBridge bridge = this.bridges.add(BlockingBridge.builder()
		.observationRegistry(this.observations)
		.contextCarrier(ContextCarrier.global())
		.build());

	@BeforeAll
	static void registerTenantAccessor() {
		ContextRegistry.getInstance().registerThreadLocalAccessor(TENANT_KEY, TENANT::get, TENANT::set, TENANT::remove);
	}

	/**
	 * Reactor's automatic context propagation is a JVM-wide hook that a Spring Boot test
	 * run earlier in this JVM may have left on: this suite runs with it off, whatever ran
	 * before.
	 */
	@BeforeAll
	static void setPropagationMode() {
		Hooks.disableAutomaticContextPropagation();
	}

	@AfterAll
	static void removeTenantAccessor() {
		ContextRegistry.getInstance().removeThreadLocalAccessor(TENANT_KEY);
	}

	@AfterAll
	static void restorePropagationMode() {
		Hooks.disableAutomaticContextPropagation();
	}

	@AfterEach
	void clearMdc() {
		MDC.clear();
	}

	@Test
	void reactorContextValuesBecomeThreadLocalsInsideSpawn() {
		StepVerifier.create(this.bridge.spawn(TENANT::get).contextWrite((context) -> context.put(TENANT_KEY, "acme")))
			.expectNext("acme")
			.verifyComplete();
		StepVerifier.create(this.bridge.spawn(() -> String.valueOf(TENANT.get()))).expectNext("null").verifyComplete();
	}

	@Test
	void mdcWrittenByAFailedBodyDoesNotReachTheNextCallOnThePoolThread() {
		BlockingBridge single = this.bridges.add(BlockingBridge.builder()
			.pool(PoolSettings.defaults(BlockingBridge.DEFAULT_POOL).withMaxThreads(1))
			.contextCarrier(ContextCarrier.global())
			.build());
		MDC.clear();
		StepVerifier.create(single.spawn(() -> {
			MDC.put("user", "alice");
			throw new IllegalStateException("boom");
		})).expectError(IllegalStateException.class).verify(Duration.ofSeconds(5));
		StepVerifier.create(single.spawn(() -> String.valueOf(MDC.get("user"))))
			.expectNext("null")
			.verifyComplete();
		MDC.put("user", "bob");
		Mono<String> withOwnMdc = single.spawn(() -> String.valueOf(MDC.get("user")));
		MDC.clear();
		StepVerifier.create(withOwnMdc).expectNext("bob").verifyComplete();
		StepVerifier.create(single.spawn(() -> String.valueOf(MDC.getCopyOfContextMap())))
			.expectNext("null")
			.verifyComplete();
	}

	@Test
	void aThreadLocalSetByABodyIsClearedOnThePoolThreadAfterwards() {
		BlockingBridge single = this.bridges.add(BlockingBridge.builder()
			.pool(PoolSettings.defaults(BlockingBridge.DEFAULT_POOL).withMaxThreads(1))
			.contextCarrier(ContextCarrier.global())
			.build());
		StepVerifier.create(single.spawn(() -> {
			TENANT.set("left-behind");
			return "done";
		})).expectNext("done").verifyComplete();
		StepVerifier.create(single.spawn(() -> String.valueOf(TENANT.get()))).expectNext("null").verifyComplete();
	}

	@Test
	void reactorContextAndMdcReachAFluxBody() {
		MDC.put("user", "u-1");
		Flux<String> flux = Offloaders.of(this.bridge).flux(BlockingBridge.DEFAULT_POOL, "test.flux", null,
				() -> Flux.just(TENANT.get(), MDC.get("user")));
		MDC.clear();
		StepVerifier.create(flux.contextWrite((context) -> context.put(TENANT_KEY, "acme")))
			.expectNext("acme", "u-1")
			.verifyComplete();
	}

	@Test
	void eachCallIsAnObservationWhichIsCurrentInsideTheBody() {
		Observation caller = Observation.start("caller", this.observations);
		Mono<Observation> seen;
		try (Observation.Scope scope = caller.openScope()) {
			seen = this.bridge.spawn(this.observations::getCurrentObservation);
		}
		Observation inside = seen.block(Duration.ofSeconds(5));
		caller.stop();
		assertThat(inside).isNotNull();
		assertThat(inside.getContext().getName()).isEqualTo(BlockingBridge.OBSERVATION_NAME);
		assertThat(inside).isNotSameAs(caller);
		assertThat(this.observations).hasObservationWithNameEqualTo("bridge.blocking")
			.that()
			.hasLowCardinalityKeyValue("pool", "default")
			.hasLowCardinalityKeyValue("method", "BlockingBridge.spawn")
			.hasBeenStarted()
			.hasBeenStopped();
	}

	@Test
	void theCallsObservationIsCurrentInsideTheBodyAlsoWithARegistryThatHasNoObservationAccessor() {
		BlockingBridge withoutAccessor = this.bridges.add(BlockingBridge.builder()
			.observationRegistry(this.observations)
			.contextCarrier(new ContextCarrier(new ContextRegistry()))
			.build());
		Observation inside = withoutAccessor.spawn(this.observations::getCurrentObservation).block(Duration.ofSeconds(5));
		assertThat(inside).isNotNull();
		assertThat(inside.getContext().getName()).isEqualTo(BlockingBridge.OBSERVATION_NAME);
	}

	@Test
	void observationRecordsTheErrorOfAFailedCall() {
		IllegalStateException failure = new IllegalStateException("boom");
		StepVerifier.create(this.bridge.spawn(() -> {
			throw failure;
		})).expectErrorMatches((ex) -> ex == failure).verify(Duration.ofSeconds(5));
		assertThat(this.observations).hasObservationWithNameEqualTo("bridge.blocking")
			.that()
			.hasError(failure)
			.hasBeenStopped();
	}

	@Test
	void observationRegistryWithoutHandlersCostsNothingVisible() {
		BlockingBridge noop = this.bridges.add(BlockingBridge.builder().observationRegistry(ObservationRegistry.NOOP).build());
		StepVerifier.create(noop.spawn(() -> List.of(1))).expectNext(List.of(1)).verifyComplete();
	}

}
