package dev.bridge.observation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link BlockingCallMeterObservationHandler} makes the meters Micrometer's
 * {@link DefaultMeterObservationHandler} makes of the same observations, with real
 * registries on both sides.
 */
class BlockingCallMeterObservationHandlerTests {

	private static final String NAME = "bridge.blocking";

	/** Bridge's handler ahead of Micrometer's, as Boot groups them. */
	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ObservationRegistry observations = registry(this.meters, true);

	/** Micrometer's handler alone: the reference. */
	private final SimpleMeterRegistry referenceMeters = new SimpleMeterRegistry();

	private final ObservationRegistry reference = registry(this.referenceMeters, false);

	@Test
	void callsAreTheTimersAndLongTaskTimersMicrometersHandlerMakes() {
		for (ObservationRegistry registry : List.of(this.observations, this.reference)) {
			call(registry, "default", "Repository.find", null);
			call(registry, "default", "Repository.find", null);
			call(registry, "default", "Repository.find", new IllegalStateException("boom"));
			call(registry, "default", "Repository.save", new IllegalStateException("boom"));
			call(registry, "default", "Repository.save", new IllegalArgumentException("bad"));
			call(registry, "images", "Thumbnails.render", null);
		}
		assertThat(snapshot(this.meters)).isEqualTo(snapshot(this.referenceMeters))
			.containsEntry("bridge.blocking{error=none,method=Repository.find,pool=default} TIMER", 2L)
			.containsEntry("bridge.blocking{error=IllegalStateException,method=Repository.save,pool=default} TIMER", 1L)
			.containsEntry("bridge.blocking.active{method=Thumbnails.render,pool=images} LONG_TASK_TIMER", 0L);
	}

	@Test
	void aRunningCallIsAnActiveTaskUntilItStops() {
		Observation first = start(this.observations, "default", "Repository.find");
		Observation second = start(this.observations, "default", "Repository.find");
		assertThat(this.meters.get(NAME + ".active").longTaskTimer().activeTasks()).isEqualTo(2);
		first.stop();
		assertThat(this.meters.get(NAME + ".active").longTaskTimer().activeTasks()).isEqualTo(1);
		assertThat(this.meters.get(NAME).tag("error", "none").timer().count()).isEqualTo(1);
		second.stop();
		assertThat(this.meters.get(NAME + ".active").longTaskTimer().activeTasks()).isZero();
		assertThat(this.meters.get(NAME).tag("error", "none").timer().count()).isEqualTo(2);
	}

	@Test
	void keyValuesAddedByAFilterOrDuringTheCallAreTagsAsWithMicrometersHandler() {
		for (ObservationRegistry registry : List.of(this.observations, this.reference)) {
			registry.observationConfig()
				.observationFilter((context) -> context.addLowCardinalityKeyValues(KeyValues.of("region", "eu")));
			call(registry, "default", "Repository.find", null);
			Observation observation = start(registry, "default", "Repository.find");
			observation.lowCardinalityKeyValue("tenant", "acme");
			observation.stop();
			Observation removed = start(registry, "default", "Repository.find");
			removed.getContext().removeLowCardinalityKeyValue("method");
			removed.stop();
		}
		assertThat(snapshot(this.meters)).isEqualTo(snapshot(this.referenceMeters))
			.containsEntry("bridge.blocking{error=none,method=Repository.find,pool=default,region=eu} TIMER", 1L)
			.containsEntry("bridge.blocking{error=none,method=Repository.find,pool=default,region=eu,tenant=acme} TIMER",
					1L)
			.containsEntry("bridge.blocking{error=none,pool=default,region=eu} TIMER", 1L);
	}

	@Test
	void keyValuesThatChangeNothingKeepTheContextUnchanged() {
		BlockingCallContext context = new BlockingCallContext("default", "Repository.find");
		context.addLowCardinalityKeyValues(KeyValues.empty());
		context.addLowCardinalityKeyValue(KeyValue.of("pool", "default"));
		context.removeLowCardinalityKeyValue("absent");
		context.addHighCardinalityKeyValue(KeyValue.of("id", "42"));
		assertThat(context.keyValuesChanged()).isFalse();
		context.addLowCardinalityKeyValue(KeyValue.of("pool", "images"));
		assertThat(context.keyValuesChanged()).isTrue();
	}

	@Test
	void aMeterRemovedFromTheRegistryIsRegisteredAgainOnTheNextCall() {
		call(this.observations, "default", "Repository.find", null);
		Timer timer = this.meters.get(NAME).timer();
		this.meters.remove(timer);
		this.meters.remove(this.meters.get(NAME + ".active").longTaskTimer());
		call(this.observations, "default", "Repository.find", null);
		Timer again = this.meters.find(NAME).tags("pool", "default", "method", "Repository.find").timer();
		assertThat(again).isNotNull().isNotSameAs(timer);
		assertThat(again.count()).isEqualTo(1);
		assertThat(this.meters.find(NAME + ".active").longTaskTimer()).isNotNull();
	}

	@Test
	void aMeterFilterAddedAfterTheFirstCallsReachesTheCallsOnceTheKeptMetersAreASecondOld() {
		MockClock clock = new MockClock();
		SimpleMeterRegistry meters = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
		SimpleMeterRegistry referenceMeters = new SimpleMeterRegistry(SimpleConfig.DEFAULT, new MockClock());
		ObservationRegistry observations = registry(meters, true);
		ObservationRegistry reference = registry(referenceMeters, false);
		for (ObservationRegistry registry : List.of(observations, reference)) {
			call(registry, "default", "Repository.find", null);
			call(registry, "default", "Repository.find", new IllegalStateException());
		}
		for (MeterRegistry registry : List.of(meters, referenceMeters)) {
			registry.config().meterFilter(MeterFilter.renameTag(NAME, "method", "operation"));
			registry.config().commonTags("app", "shop");
		}
		clock.add(Duration.ofNanos(BlockingCallMeterObservationHandler.REFRESH_NANOS));
		for (ObservationRegistry registry : List.of(observations, reference)) {
			call(registry, "default", "Repository.find", null);
			call(registry, "default", "Repository.find", new IllegalStateException());
		}
		assertThat(snapshot(meters)).isEqualTo(snapshot(referenceMeters))
			.containsEntry("bridge.blocking{app=shop,error=none,operation=Repository.find,pool=default} TIMER", 1L)
			.containsEntry("bridge.blocking{app=shop,error=IllegalStateException,operation=Repository.find,pool=default} TIMER",
					1L)
			.containsEntry("bridge.blocking.active{app=shop,operation=Repository.find,pool=default} LONG_TASK_TIMER", 0L);
	}

	@Test
	void ignoredLongTaskTimersAreNotMade() {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig()
			.observationHandler(new BlockingCallMeterObservationHandler(meters, IgnoredMeters.LONG_TASK_TIMER));
		call(registry, "default", "Repository.find", null);
		assertThat(meters.get(NAME).timer().count()).isEqualTo(1);
		assertThat(meters.find(NAME + ".active").meter()).isNull();
	}

	@Test
	void eventsAreCountersAsWithMicrometersHandler() {
		for (ObservationRegistry registry : List.of(this.observations, this.reference)) {
			Observation observation = start(registry, "default", "Repository.find");
			observation.event(Observation.Event.of("retried"));
			observation.stop();
		}
		assertThat(snapshot(this.meters)).isEqualTo(snapshot(this.referenceMeters))
			.containsEntry("bridge.blocking.retried{method=Repository.find,pool=default} COUNTER", 1L);
	}

	@Test
	void otherObservationsAreLeftToTheNextHandler() {
		assertThat(new BlockingCallMeterObservationHandler(new SimpleMeterRegistry())
			.supportsContext(new Observation.Context())).isFalse();
		Observation.createNotStarted("http.server.requests", this.observations).observe(() -> {
		});
		assertThat(this.meters.get("http.server.requests").timer().count()).isEqualTo(1);
	}

	@Test
	void concurrentCallsOnManyPoolsMethodsAndErrorsAreAllCounted() throws Exception {
		int threads = 8;
		int calls = 2_000;
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		CountDownLatch go = new CountDownLatch(1);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int thread = t;
				futures.add(executor.submit(() -> {
					go.await();
					for (int i = 0; i < calls; i++) {
						Throwable error = (i % 3 == 0) ? new IllegalStateException() : null;
						call(this.observations, "pool" + (i % 2), "Service.m" + ((i + thread) % 5), error);
					}
					return null;
				}));
			}
			go.countDown();
			for (Future<?> future : futures) {
				future.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		long counted = this.meters.find(NAME).timers().stream().mapToLong(Timer::count).sum();
		assertThat(counted).isEqualTo((long) threads * calls);
		assertThat(this.meters.get(NAME + ".active").longTaskTimers()).allSatisfy(
				(active) -> assertThat(active.activeTasks()).isZero());
	}

	private static ObservationRegistry registry(MeterRegistry meters, boolean bridge) {
		ObservationRegistry registry = ObservationRegistry.create();
		DefaultMeterObservationHandler micrometers = new DefaultMeterObservationHandler(meters);
		registry.observationConfig()
			.observationHandler(bridge
					? new FirstMatchingCompositeObservationHandler(new BlockingCallMeterObservationHandler(meters),
							micrometers)
					: micrometers);
		return registry;
	}

	private static Observation start(ObservationRegistry registry, String pool, String method) {
		return Observation.createNotStarted(NAME, () -> new BlockingCallContext(pool, method), registry).start();
	}

	private static void call(ObservationRegistry registry, String pool, String method, Throwable error) {
		Observation observation = start(registry, pool, method);
		if (error != null) {
			observation.error(error);
		}
		observation.stop();
	}

	/** Every meter by its id, with its count (timers, counters) or active tasks (long-task timers). */
	private static Map<String, Long> snapshot(MeterRegistry registry) {
		Map<String, Long> snapshot = new TreeMap<>();
		for (Meter meter : registry.getMeters()) {
			String id = meter.getId().getName()
					+ meter.getId()
						.getTags()
						.stream()
						.map((tag) -> tag.getKey() + "=" + tag.getValue())
						.collect(Collectors.joining(",", "{", "}"))
					+ " " + meter.getId().getType();
			long value = meter.match((gauge) -> 0L, (counter) -> (long) counter.count(), Timer::count,
					(summary) -> summary.count(), (longTask) -> (long) longTask.activeTasks(), (gauge) -> 0L,
					(counter) -> (long) counter.count(), (timer) -> (long) timer.count(), (other) -> 0L);
			snapshot.put(id, value);
		}
		return snapshot;
	}

}
