package dev.bridge.benchmarks;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Statistic;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ConfigurableApplicationContext;

import dev.bridge.BlockingBridge;
import dev.bridge.demo.DemoApplication;
import dev.bridge.demo.config.DemoConfig;

/**
 * The demo application started in this JVM on a free loopback port, through the same
 * {@link DemoApplication#application} that {@code main} uses.
 */
public final class DemoServer implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final int port;

	private DemoServer(ConfigurableApplicationContext context) {
		this.context = context;
		Integer localPort = context.getEnvironment().getProperty("local.server.port", Integer.class);
		if (localPort == null) {
			context.close();
			throw new IllegalStateException("The demo started without a web server (local.server.port unset)");
		}
		this.port = localPort;
	}

	/**
	 * Starts the demo with the built-in user API and quiet logs.
	 * @param properties extra properties, as {@code name -> value}
	 * @return the running server
	 */
	public static DemoServer start(Map<String, String> properties) {
		DemoConfig config = new DemoConfig(Path.of("benchmark"), "bench-key", null, Duration.ofSeconds(5),
				Duration.ofMillis(50));
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
				"--spring.main.banner-mode=off", "--logging.level.root=WARN"));
		properties.forEach((name, value) -> args.add("--" + name + "=" + value));
		return new DemoServer(DemoApplication.application(config).run(args.toArray(String[]::new)));
	}

	/**
	 * An address on the server.
	 * @param pathAndQuery path and query, starting with {@code /}
	 * @return the URI
	 */
	public URI uri(String pathAndQuery) {
		return URI.create("http://127.0.0.1:" + this.port + pathAndQuery);
	}

	/**
	 * The server's bridge, to read pool settings.
	 * @return the bridge
	 */
	public BlockingBridge bridge() {
		return this.context.getBean(BlockingBridge.class);
	}

	/**
	 * The event-loop stalls the watchdog has counted so far, every cause
	 * ({@code bridge.eventloop.stalls}).
	 * @return the count, or -1 when no watchdog publishes the meter
	 */
	public double stallCount() {
		return count("bridge.eventloop.stalls");
	}

	/**
	 * The value of a counter or function counter of the application's registry, such as
	 * {@code bridge.pool.rejected} of one pool.
	 * @param name the meter name
	 * @param tags tag keys and values, alternating
	 * @return the count, or -1 when no such meter is registered
	 */
	public double count(String name, String... tags) {
		MeterRegistry registry = this.context.getBeanProvider(MeterRegistry.class).getIfAvailable();
		// every meter that matches: bridge.eventloop.stalls has one per cause
		java.util.Collection<Meter> meters = (registry != null) ? registry.find(name).tags(tags).meters() : List.of();
		if (meters.isEmpty()) {
			return -1;
		}
		double count = 0;
		for (Meter meter : meters) {
			for (Measurement measurement : meter.measure()) {
				if (measurement.getStatistic() == Statistic.COUNT) {
					count += measurement.getValue();
				}
			}
		}
		return count;
	}

	/**
	 * The application's bean of a type, when it has exactly one.
	 * @param <T> the type
	 * @param type the type
	 * @return the bean, or {@code null}
	 */
	public <T> @Nullable T bean(Class<T> type) {
		return this.context.getBeanProvider(type).getIfUnique();
	}

	/**
	 * The value of a property in the running application.
	 * @param name the property
	 * @return its value, or {@code "(unset)"}
	 */
	public String property(String name) {
		return this.context.getEnvironment().getProperty(name, "(unset)");
	}

	@Override
	public void close() {
		this.context.close();
	}

}
