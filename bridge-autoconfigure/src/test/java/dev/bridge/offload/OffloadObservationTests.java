package dev.bridge.offload;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.BlockingBridge;
import dev.bridge.ClosingBridges;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each offloaded call is a {@code bridge.blocking} observation, a child of the caller's: the
 * one place that rule is asserted, through {@code spawn}; {@code @Blocking} methods and
 * functional routes go through the same {@link Offloader}.
 */
@ExtendWith(OutputCaptureExtension.class)
class OffloadObservationTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private final TestObservationRegistry registry = TestObservationRegistry.create();

	private final BlockingBridge bridge = this.bridges.create((builder) -> builder.observationRegistry(this.registry));

	@Test
	void spawnIsAStoppedObservationTaggedWithPoolAndMethod() {
		assertThat(this.bridge.spawn(() -> "done").block(WAIT)).isEqualTo("done");
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo(BlockingBridge.OBSERVATION_NAME, 1)
			.hasObservationWithNameEqualTo(BlockingBridge.OBSERVATION_NAME)
			.that()
			.hasBeenStarted()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("pool", "default")
			.hasLowCardinalityKeyValue("method", "BlockingBridge.spawn")
			.doesNotHaveError()
			.doesNotHaveParentObservation();
	}

	@Test
	void spawnIsAChildOfTheCallersCurrentObservation() {
		Observation caller = Observation.start("caller", this.registry);
		AtomicReference<Observation> inside = new AtomicReference<>();
		try (Observation.Scope scope = caller.openScope()) {
			this.bridge.spawn(() -> {
				inside.set(this.registry.getCurrentObservation());
				return "done";
			}).block(WAIT);
		}
		finally {
			caller.stop();
		}
		assertThat(this.registry).hasObservationWithNameEqualTo(BlockingBridge.OBSERVATION_NAME)
			.that()
			.hasParentObservationEqualTo(caller);
		// On the pool thread the call's own observation is current, so that what the body
		// observes nests under it.
		assertThat(inside.get()).isNotNull().isNotSameAs(caller);
		assertThat(inside.get().getContextView().getName()).isEqualTo(BlockingBridge.OBSERVATION_NAME);
	}

	@Test
	void spawnIsAChildOfTheObservationInTheReactorContext() {
		Observation caller = Observation.start("caller", this.registry);
		// Subscribed on another thread, where no observation is current: only the Reactor
		// context knows the parent, as in a WebFlux request.
		this.bridge.spawn(() -> "done")
			.subscribeOn(Schedulers.single())
			.contextWrite(Context.of(ObservationThreadLocalAccessor.KEY, caller))
			.block(WAIT);
		caller.stop();
		assertThat(this.registry).hasObservationWithNameEqualTo(BlockingBridge.OBSERVATION_NAME)
			.that()
			.hasParentObservationEqualTo(caller);
	}

	@Test
	void failingCallIsAnObservationWithItsError() {
		IllegalStateException failure = new IllegalStateException("boom");
		assertThat(this.bridge.spawn(() -> {
			throw failure;
		}).onErrorResume((ex) -> Mono.just("recovered")).block(WAIT)).isEqualTo("recovered");
		assertThat(this.registry).hasObservationWithNameEqualTo(BlockingBridge.OBSERVATION_NAME)
			.that()
			.hasBeenStopped()
			.hasError(failure);
	}

	@Test
	void callIsTimedBeforeTheCallerGetsItsResultAndOnlyOnce() {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
		BlockingBridge timed = this.bridges.add(BlockingBridge.builder().observationRegistry(observations).build());
		// take(1) cancels the Mono after its value: still one call, one timing.
		assertThat(timed.spawn(() -> "done").flux().take(1).blockLast(WAIT)).isEqualTo("done");
		Timer timer = meters.get(BlockingBridge.OBSERVATION_NAME).tags("method", "BlockingBridge.spawn").timer();
		assertThat(timer.count()).isEqualTo(1);
		assertThat(timed.spawnBatched(Flux.range(1, 5), 2, (batch) -> batch).collectList().block(WAIT))
			.containsExactly(1, 2, 3, 4, 5);
		assertThat(meters.get(BlockingBridge.OBSERVATION_NAME)
			.tags("method", "BlockingBridge.spawnBatched")
			.timer()
			.count()).isEqualTo(3);
	}

	@Test
	void cancelledCallIsStoppedOnce() throws InterruptedException {
		CountDownLatch running = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Disposable call = this.bridge.spawn(() -> {
			running.countDown();
			try {
				return release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				// interrupt-on-cancel: end quietly, the subscriber is gone.
				return false;
			}
		}).subscribe();
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		call.dispose();
		release.countDown();
		assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo(BlockingBridge.OBSERVATION_NAME, 1)
			.hasObservationWithNameEqualTo(BlockingBridge.OBSERVATION_NAME)
			.that()
			.hasBeenStopped();
	}

	@Test
	void withTracingTheCallIsAChildSpanOfTheCallersSpan() {
		SimpleTracer tracer = new SimpleTracer();
		ObservationRegistry tracing = ObservationRegistry.create();
		tracing.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
		BlockingBridge traced = this.bridges.add(BlockingBridge.builder().observationRegistry(tracing).build());
		Observation caller = Observation.start("caller", tracing);
		AtomicReference<Span> inside = new AtomicReference<>();
		try (Observation.Scope scope = caller.openScope()) {
			traced.spawn(() -> {
				inside.set(tracer.currentSpan());
				return "done";
			}).block(WAIT);
		}
		finally {
			caller.stop();
		}
		SimpleSpan callerSpan = span(tracer, "caller");
		SimpleSpan callSpan = span(tracer, "blocking BlockingBridge.spawn");
		assertThat(callSpan.getParentId()).isEqualTo(callerSpan.getSpanId());
		assertThat(callSpan.getTraceId()).isEqualTo(callerSpan.getTraceId());
		assertThat(callSpan.getTags()).containsEntry("pool", "default").containsEntry("method", "BlockingBridge.spawn");
		assertThat(inside.get()).isNotNull();
		assertThat(inside.get().context().spanId()).isEqualTo(callSpan.getSpanId());
	}

	@Test
	void consecutiveCallsOnAPoolThreadAreSiblingsUnderTheCallerNotAChain() {
		List<Observation.Context> started = new CopyOnWriteArrayList<>();
		this.registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onStart(Observation.Context context) {
				started.add(context);
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
		Observation request = Observation.start("request", this.registry);
		try (Observation.Scope scope = request.openScope()) {
			this.bridge.spawnBatched(Flux.range(1, 6), 2, (batch) -> batch)
				.then(this.bridge.spawn(() -> "a").flatMap((a) -> this.bridge.spawn(() -> a + "b")))
				.block(Duration.ofSeconds(5));
		}
		request.stop();
		assertThat(started).filteredOn((context) -> context.getName().equals("bridge.blocking"))
			.hasSize(5)
			.allSatisfy((context) -> assertThat(context.getParentObservation()).isSameAs(request));
	}


	@Test
	void aHandlerThatThrowsOnStopDoesNotTakeTheCallsResultOrErrorWithIt(CapturedOutput output) {
		this.registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onStop(Observation.Context context) {
				if (context.getName().equals(BlockingBridge.OBSERVATION_NAME)) {
					throw new IllegalStateException("handler failed");
				}
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
		assertThat(this.bridge.spawn(() -> "done").block(WAIT)).isEqualTo("done");
		assertThat(this.bridge.spawnBatched(Flux.range(1, 4), 2, (batch) -> batch).collectList().block(WAIT))
			.containsExactly(1, 2, 3, 4);
		Mono<String> failing = this.bridge.spawn(() -> {
			throw new IllegalArgumentException("body failed");
		});
		assertThat(failing.materialize().block(WAIT).getThrowable()).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("body failed");
		// Four calls failed to stop their observation (one spawn, two batches, one failing
		// spawn): a WARN for the first only, naming the call and the pool.
		assertThat(output.getOut().lines().filter((line) -> line.contains(" WARN ")
				&& line.contains("An observation handler failed while stopping the 'bridge.blocking' observation")))
			.singleElement()
			.asString()
			.contains("BlockingBridge.spawn on pool 'default'");
	}


	private static SimpleSpan span(SimpleTracer tracer, String name) {
		return tracer.getSpans()
			.stream()
			.filter((span) -> name.equals(span.getName()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No span named '" + name + "' in " + tracer.getSpans()));
	}

}
