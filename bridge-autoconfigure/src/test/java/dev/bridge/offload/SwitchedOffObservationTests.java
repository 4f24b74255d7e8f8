package dev.bridge.offload;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import dev.bridge.BlockingBridge;
import dev.bridge.ClosingBridges;
import dev.bridge.observation.BlockingCallContext;
import dev.bridge.pool.PoolSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call whose {@code bridge.blocking} observation an {@code ObservationPredicate} switches
 * off leaves the caller's observation current: what is observed inside and after it keeps the
 * caller's observation as its parent instead of starting on its own.
 */
class SwitchedOffObservationTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	/** "name pool? parent" for every observation started, in order. */
	private final List<String> started = new CopyOnWriteArrayList<>();

	private final ObservationRegistry registry = ObservationRegistry.create();

	@Test
	void callsOnAPoolWhoseObservationsArePredicatedAwayDoNotOrphanTheCallsInsideOrAfterThem() {
		this.registry.observationConfig()
			.observationPredicate((name, context) -> !(context instanceof BlockingCallContext call
					&& call.getPool().equals("images")));
		BlockingBridge bridge = bridge();
		Observation request = Observation.start("request", this.registry);
		try (Observation.Scope scope = request.openScope()) {
			bridge.spawn("images", () -> bridge.spawn(() -> "inner").block(WAIT)).block(WAIT);
			bridge.spawn("images", () -> "a").flatMap((a) -> bridge.spawn(() -> a + "b")).block(WAIT);
			Mono.defer(() -> bridge.spawn("images", () -> "c")).flatMap((c) -> bridge.spawn(() -> c + "d")).block(WAIT);
		}
		request.stop();
		assertThat(this.started).containsExactly("request none", "bridge.blocking default request",
				"bridge.blocking default request", "bridge.blocking default request");
	}

	@Test
	void observationsInsideACallWhoseObservationIsSwitchedOffByNameKeepTheCallersAsParent() throws Exception {
		this.registry.observationConfig().observationPredicate((name, context) -> !name.equals("bridge.blocking"));
		BlockingBridge bridge = bridge();
		Observation request = Observation.start("request", this.registry);
		try (Observation.Scope scope = request.openScope()) {
			bridge.spawn(() -> Observation.createNotStarted("db", this.registry).observe(() -> "x")).block(WAIT);
			bridge.spawn("images", () -> "y")
				.map((y) -> Observation.createNotStarted("after", this.registry).observe(() -> y))
				.block(WAIT);
			// as WebFlux runs a @Blocking handler it already moved onto the pool
			Offloaders.of(bridge)
				.observe(BlockingBridge.DEFAULT_POOL, "Routes.plain",
						() -> Observation.createNotStarted("handler", this.registry).observe(() -> "z"));
		}
		request.stop();
		assertThat(this.started).containsExactly("request none", "db request", "after request", "handler request");
	}

	private BlockingBridge bridge() {
		this.registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onStart(Observation.Context context) {
				ObservationView parent = context.getParentObservation();
				String pool = (context instanceof BlockingCallContext call) ? " " + call.getPool() : "";
				SwitchedOffObservationTests.this.started.add(context.getName() + pool + " "
						+ ((parent != null) ? parent.getContextView().getName() : "none"));
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
		return this.bridges.create((builder) -> builder.observationRegistry(this.registry)
			.pool(PoolSettings.defaults(BlockingBridge.DEFAULT_POOL))
			.pool(PoolSettings.defaults("images")));
	}

}
