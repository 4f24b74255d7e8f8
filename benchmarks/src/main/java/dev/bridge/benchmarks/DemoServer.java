package dev.bridge.benchmarks;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

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
	 * The event-loop stalls the watchdog has counted so far ({@code bridge.eventloop.stalls}).
	 * @return the count, or -1 when no watchdog publishes the meter
	 */
	public double stallCount() {
		MeterRegistry registry = this.context.getBeanProvider(MeterRegistry.class).getIfAvailable();
		Counter counter = (registry != null) ? registry.find("bridge.eventloop.stalls").counter() : null;
		return (counter != null) ? counter.count() : -1;
	}

	/**
	 * Whether the application has a bean of a type.
	 * @param type the type
	 * @return {@code true} if at least one bean has it
	 */
	public boolean hasBean(Class<?> type) {
		return this.context.getBeanNamesForType(type).length > 0;
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
