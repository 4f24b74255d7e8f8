package dev.bridge.observation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * Records the {@code bridge.blocking} observation of each offloaded call as the meters
 * Micrometer's {@link DefaultMeterObservationHandler} makes of any observation, with the same
 * names and tags: a {@link Timer} named after the observation, tagged with its
 * low-cardinality key values and {@code error} (the simple name of the error's class, or
 * {@code none}), a {@link LongTaskTimer} {@code <name>.active} with the key values at start
 * (unless {@link IgnoredMeters#LONG_TASK_TIMER} is ignored), and a {@link Counter}
 * {@code <name>.<event>} per event.
 * <p>
 * What differs is the cost. Micrometer's handler builds the tags from the key values and
 * looks the meters up in the registry on every start and stop, and keeps its samples in the
 * context's map; measured in the project's JMH benchmark, that was about a third of what an
 * observed call cost. This handler keeps the meters of each pool and method once they are
 * registered, and the samples in the {@link BlockingCallContext}. A call whose key values
 * changed after the context was made (an {@code ObservationFilter}, Boot's
 * {@code management.observations.key-values}, the body adding its own) gets its meters built
 * from the key values, as Micrometer's handler would, and saves only the look-up of its
 * long-task timer. The kept meters are dropped when any meter is removed from the registry,
 * so a removed meter is registered again rather than recorded into unseen, and are looked up
 * again after a second, so a {@code MeterFilter} added after the first calls reaches the
 * calls within that time (Micrometer's handler: on the next call).
 * <p>
 * With Spring Boot's observation auto-configuration Bridge registers it ahead of Boot's
 * {@link DefaultMeterObservationHandler} (Boot calls the first meter handler that supports a
 * context), and honours {@code management.metrics.observations.ignored-meters}. An
 * {@link io.micrometer.observation.ObservationRegistry} built by hand needs it before
 * Micrometer's handler in one
 * {@link io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler};
 * registered beside it, both would record each call.
 */
public class BlockingCallMeterObservationHandler implements MeterObservationHandler<BlockingCallContext> {

	private static final String NO_ERROR = "none";

	/**
	 * How long meters are kept before they are looked up in the registry again: a
	 * {@code MeterFilter} added later (Micrometer applies it to meters already registered on
	 * their next look-up) reaches the calls within that time.
	 */
	static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final MeterRegistry registry;

	private final boolean longTaskTimer;

	/** Meters by pool, then by method. */
	private final ConcurrentMap<String, ConcurrentMap<String, CallMeters>> meters = new ConcurrentHashMap<>();

	/**
	 * Moves on each meter removed from the registry: meters kept from an earlier generation
	 * are looked up again (one may be gone from the registry).
	 */
	private final AtomicInteger generation = new AtomicInteger();

	/** The registry's clock, which also times the calls. */
	private final Clock clock;

	/**
	 * Creates the handler.
	 * @param registry where the meters are registered
	 * @param ignored meters not to make, as for Micrometer's handler
	 */
	public BlockingCallMeterObservationHandler(MeterRegistry registry, IgnoredMeters... ignored) {
		this.registry = registry;
		this.longTaskTimer = !Arrays.asList(ignored).contains(IgnoredMeters.LONG_TASK_TIMER);
		this.clock = registry.config().clock();
		registry.config().onMeterRemoved((meter) -> {
			this.generation.incrementAndGet();
			this.meters.clear();
		});
	}

	@Override
	public boolean supportsContext(Observation.Context context) {
		return context instanceof BlockingCallContext;
	}

	@Override
	public void onStart(BlockingCallContext context) {
		CallMeters kept = context.keyValuesChanged() ? null : meters(context);
		context.meters = kept;
		if (this.longTaskTimer) {
			LongTaskTimer active = (kept != null) ? kept.active() : null;
			if (active == null) {
				active = LongTaskTimer.builder(activeName(context)).tags(tags(context)).register(this.registry);
			}
			context.longTask = active.start();
		}
		context.sample = Timer.start(this.registry);
	}

	@Override
	public void onStop(BlockingCallContext context) {
		Timer.Sample sample = context.sample;
		if (sample == null) {
			// A stop without a start (onStart failed): nothing to record.
			return;
		}
		String error = errorValue(context);
		CallMeters kept = context.meters;
		Timer timer = (kept != null && kept.generation() == this.generation.get() && !context.keyValuesChanged()
				&& kept.name().equals(context.getName()))
				? kept.timer(error) : timer(context.getName(), tags(context), error);
		sample.stop(timer);
		LongTaskTimer.Sample longTask = context.longTask;
		if (longTask != null) {
			longTask.stop();
		}
	}

	@Override
	public void onEvent(Observation.Event event, BlockingCallContext context) {
		Counter.builder(context.getName() + "." + event.getName())
			.tags(tags(context))
			.register(this.registry)
			.increment();
	}

	private CallMeters meters(BlockingCallContext context) {
		ConcurrentMap<String, CallMeters> byMethod = this.meters.get(context.getPool());
		CallMeters kept = (byMethod != null) ? byMethod.get(context.getMethod()) : null;
		String name = context.getName();
		int generation = this.generation.get();
		long now = this.clock.monotonicTime();
		if (kept != null && kept.generation() == generation && kept.name().equals(name)
				&& now - kept.madeAt() < REFRESH_NANOS) {
			return kept;
		}
		Tags tags = tags(context);
		LongTaskTimer active = this.longTaskTimer ? LongTaskTimer.builder(activeName(context)).tags(tags).register(this.registry)
				: null;
		CallMeters made = new CallMeters(this.registry, generation, now, name, tags, active);
		this.meters.computeIfAbsent(context.getPool(), (pool) -> new ConcurrentHashMap<>()).put(context.getMethod(), made);
		return made;
	}

	private Timer timer(String name, Tags tags, String error) {
		return Timer.builder(name).tags(tags).tag("error", error).register(this.registry);
	}

	private static String activeName(Observation.Context context) {
		return context.getName() + ".active";
	}

	private static Tags tags(Observation.Context context) {
		List<Tag> tags = new ArrayList<>();
		for (KeyValue keyValue : context.getLowCardinalityKeyValues()) {
			tags.add(Tag.of(keyValue.getKey(), keyValue.getValue()));
		}
		return Tags.of(tags);
	}

	private static String errorValue(Observation.Context context) {
		Throwable error = context.getError();
		return (error != null) ? error.getClass().getSimpleName() : NO_ERROR;
	}

	/**
	 * The meters of one pool and method: the long-task timer (unless ignored), the timer of
	 * calls without an error and the timers of failed calls by the simple name of the
	 * error's class, each made on its first call.
	 */
	static final class CallMeters {

		private final MeterRegistry registry;

		private final int generation;

		private final long madeAt;

		private final String name;

		private final Tags tags;

		private final @Nullable LongTaskTimer active;

		/** Made on the first call without an error, as Micrometer's handler would. */
		private volatile @Nullable Timer success;

		private final ConcurrentMap<String, Timer> failures = new ConcurrentHashMap<>();

		CallMeters(MeterRegistry registry, int generation, long madeAt, String name, Tags tags,
				@Nullable LongTaskTimer active) {
			this.registry = registry;
			this.generation = generation;
			this.madeAt = madeAt;
			this.name = name;
			this.tags = tags;
			this.active = active;
		}

		int generation() {
			return this.generation;
		}

		long madeAt() {
			return this.madeAt;
		}

		String name() {
			return this.name;
		}

		@Nullable LongTaskTimer active() {
			return this.active;
		}

		Timer timer(String error) {
			if (NO_ERROR.equals(error)) {
				Timer success = this.success;
				if (success == null) {
					success = register(NO_ERROR);
					this.success = success;
				}
				return success;
			}
			Timer timer = this.failures.get(error);
			return (timer != null) ? timer : this.failures.computeIfAbsent(error, this::register);
		}

		private Timer register(String error) {
			// The registry returns the meter it holds for an id: registering twice is harmless.
			return Timer.builder(this.name).tags(this.tags).tag("error", error).register(this.registry);
		}

	}

}
