package dev.bridge.context;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The carrier's own capture, merge and scope, on a registry of its own: which value wins
 * when a call is made on one thread and subscribed on another, and what a pool thread has
 * after the task.
 */
class ContextCarrierTests {

	private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

	private static final ThreadLocal<String> REGION = new ThreadLocal<>();

	private final ContextCarrier carrier = new ContextCarrier(new ContextRegistry()
		.registerThreadLocalAccessor("tenant", TENANT::get, TENANT::set, TENANT::remove)
		.registerThreadLocalAccessor("region", REGION::get, REGION::set, REGION::remove));

	@AfterEach
	void clear() {
		TENANT.remove();
		REGION.remove();
	}

	@Test
	void captureHoldsOnlyTheValuesTheThreadHas() {
		assertThat(this.carrier.captureValues().isEmpty()).isTrue();
		TENANT.set("acme");
		Context values = this.carrier.captureValues();
		assertThat(values.size()).isEqualTo(1);
		assertThat(values.<String>get("tenant")).isEqualTo("acme");
	}

	@Test
	void subscriberContextWinsOverTheSubscribingThreadWhichWinsOverWhereTheCallWasMade() {
		TENANT.set("made");
		REGION.set("made");
		Context made = this.carrier.captureValues();
		TENANT.set("subscribing");
		REGION.remove();
		Context merged = this.carrier.merge(made, Context.of("tenant", "subscriber", "other", "kept"));
		assertThat(merged.<String>get("tenant")).isEqualTo("subscriber");
		assertThat(merged.<String>get("region")).isEqualTo("made");
		assertThat(merged.<String>get("other")).isEqualTo("kept");
		TENANT.remove();
		Context fromThread = this.carrier.merge(made, Context.empty());
		assertThat(fromThread.<String>get("tenant")).isEqualTo("made");
	}

	@Test
	void scopeSetsTheContextClearsWhatItLacksAndRestoresTheThreadsOwnValues() {
		TENANT.set("thread");
		REGION.set("thread");
		try (ContextSnapshot.Scope scope = this.carrier.setThreadLocals(Context.of("tenant", "call"))) {
			assertThat(TENANT.get()).isEqualTo("call");
			assertThat(REGION.get()).isNull();
			TENANT.set("changed by the task");
			REGION.set("left behind by the task");
		}
		assertThat(TENANT.get()).isEqualTo("thread");
		assertThat(REGION.get()).isEqualTo("thread");
		TENANT.remove();
		REGION.remove();
		try (ContextSnapshot.Scope scope = this.carrier.setThreadLocals(Context.empty())) {
			REGION.set("left behind by the task");
		}
		assertThat(REGION.get()).isNull();
	}

	@Test
	void accessorsRegisteredAndRemovedWhileTheCarrierRunsAreSeenWholeOrNotAtAll() throws Exception {
		ContextRegistry registry = new ContextRegistry();
		for (int i = 0; i < 6; i++) {
			ThreadLocal<String> local = new ThreadLocal<>();
			registry.registerThreadLocalAccessor("key" + i, local::get, local::set, local::remove);
		}
		ContextCarrier churned = new ContextCarrier(registry);
		AtomicBoolean stop = new AtomicBoolean();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread churn = new Thread(() -> {
			ThreadLocal<String> local = new ThreadLocal<>();
			while (!stop.get()) {
				registry.registerThreadLocalAccessor("key5", local::get, local::set, local::remove);
				registry.removeThreadLocalAccessor("key5");
			}
		});
		churn.start();
		try {
			for (int i = 0; i < 50_000 && failure.get() == null; i++) {
				try (ContextSnapshot.Scope scope = churned.setThreadLocals(Context.of("key0", "value"))) {
					churned.captureValues();
				}
				catch (RuntimeException ex) {
					failure.set(ex);
				}
			}
		}
		finally {
			stop.set(true);
			churn.join(5000);
		}
		assertThat(failure.get()).isNull();
	}

}
