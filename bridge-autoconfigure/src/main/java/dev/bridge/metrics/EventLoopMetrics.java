package dev.bridge.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.StallCause;

/**
 * Meters of the event loops, read from the {@link EventLoopReports} and the
 * {@link EventLoopWatchdog} (neither registers a meter of its own):
 * <ul>
 * <li>{@code bridge.eventloop.stalls}: stall episodes, one counter per {@code cause}
 * ({@code blocked}, {@code busy}, {@code starved}, {@code jvm-pause});</li>
 * <li>{@code bridge.eventloop.blocking.calls}: blocking calls caught on loops by
 * BlockHound;</li>
 * <li>with a watchdog: {@code bridge.eventloop.stall}, a gauge of the seconds the
 * most-stalled loop has been stuck right now by code ({@code blocked} or {@code busy}; 0
 * when none is), and {@code bridge.eventloop.delay}, a timer of the probes' scheduling
 * delay with a percentile histogram, tagged {@code group}.</li>
 * </ul>
 */
public class EventLoopMetrics implements MeterBinder {

	/**
	 * Name of the stall episodes counter.
	 */
	public static final String STALLS = "bridge.eventloop.stalls";

	/**
	 * Name of the current stall gauge.
	 */
	public static final String STALL = "bridge.eventloop.stall";

	/**
	 * Name of the probe delay timer.
	 */
	public static final String DELAY = "bridge.eventloop.delay";

	/**
	 * Name of the counter of blocking calls caught by BlockHound.
	 */
	public static final String BLOCKING_CALLS = "bridge.eventloop.blocking.calls";

	private final EventLoopReports reports;

	private final @Nullable EventLoopWatchdog watchdog;

	private final Iterable<Tag> tags;

	/** Registries bound so far, with what they hold; a second bind would double-count. */
	private final Map<MeterRegistry, Binding> bindings = new IdentityHashMap<>();

	/**
	 * Meters of the reports and, when there is one, the watchdog.
	 * @param reports the reports
	 * @param watchdog the watchdog, {@code null} when it is off
	 */
	public EventLoopMetrics(EventLoopReports reports, @Nullable EventLoopWatchdog watchdog) {
		this(reports, watchdog, Collections.emptyList());
	}

	/**
	 * Meters of the reports and, when there is one, the watchdog.
	 * @param reports the reports
	 * @param watchdog the watchdog, {@code null} when it is off
	 * @param tags tags added to every meter
	 */
	public EventLoopMetrics(EventLoopReports reports, @Nullable EventLoopWatchdog watchdog, Iterable<Tag> tags) {
		this.reports = reports;
		this.watchdog = watchdog;
		this.tags = tags;
	}

	@Override
	public synchronized void bindTo(MeterRegistry registry) {
		if (this.bindings.containsKey(registry)) {
			return;
		}
		List<Meter> meters = new ArrayList<>();
		for (StallCause cause : StallCause.values()) {
			meters.add(FunctionCounter.builder(STALLS, this.reports, (reports) -> reports.stalls(cause))
				.tags(Tags.concat(this.tags, "cause", cause.tagValue()))
				.description("Episodes in which an event loop did not run the watchdog's probe in time, by cause")
				// the unit is the name's last word, so the Prometheus name stays bridge_eventloop_stalls_total
				.baseUnit("stalls")
				.register(registry));
		}
		meters.add(FunctionCounter.builder(BLOCKING_CALLS, this.reports, EventLoopReports::blockingCalls)
			.tags(this.tags)
			.description("Blocking calls caught on event-loop threads by BlockHound")
			.baseUnit("calls")
			.register(registry));
		AutoCloseable delays = null;
		EventLoopWatchdog watchdog = this.watchdog;
		if (watchdog != null) {
			meters.add(Gauge.builder(STALL, watchdog, EventLoopWatchdog::currentStallSeconds)
				.tags(this.tags)
				.description("Seconds the most-stalled event loop has been stuck right now by blocking or busy "
						+ "code, 0 when none is")
				.baseUnit("seconds")
				.register(registry));
			Map<String, Timer> timers = new ConcurrentHashMap<>();
			for (String group : watchdog.groups()) {
				timers.put(group, delayTimer(registry, group));
			}
			meters.addAll(timers.values());
			delays = watchdog.onProbeDelay((group, nanos) -> timers
				.computeIfAbsent(group, (name) -> delayTimer(registry, name))
				.record(nanos, TimeUnit.NANOSECONDS));
		}
		this.bindings.put(registry, new Binding(meters, delays));
	}

	private Timer delayTimer(MeterRegistry registry, String group) {
		return Timer.builder(DELAY)
			.tags(Tags.concat(this.tags, "group", group))
			.description("Scheduling delay of the watchdog's probe on an event loop")
			.publishPercentileHistogram()
			.register(registry);
	}

	/**
	 * Removes every meter this binder registered and stops feeding the delay timers.
	 */
	public synchronized void unbind() {
		this.bindings.forEach((registry, binding) -> {
			binding.meters().forEach(registry::remove);
			if (binding.delays() != null) {
				try {
					binding.delays().close();
				}
				catch (Exception ex) {
					// removing a listener does not fail
				}
			}
		});
		this.bindings.clear();
	}

	private record Binding(List<Meter> meters, @Nullable AutoCloseable delays) {
	}

}
