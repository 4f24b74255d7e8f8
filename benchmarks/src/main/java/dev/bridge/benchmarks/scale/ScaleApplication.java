package dev.bridge.benchmarks.scale;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

import dev.bridge.BlockingBridge;
import dev.bridge.pool.BlockingPool;
import reactor.netty.resources.LoopResources;

/**
 * The server of one scale-benchmark run, started in its own JVM by
 * {@code ScaleBenchmark}, configured by the command-line properties it is given. Once up it
 * prints {@value #READY} with its HTTP port and the port of a side channel ({@code /stats},
 * served by the JDK's own HTTP server on its own thread) that reports threads, heap and CPU
 * even while the event loops are blocked, and ({@code /jfr}) starts and dumps a flight
 * recording of the measured window.
 */
@SpringBootApplication
public class ScaleApplication {

	/** Start of the line printed once the server is up: {@code READY <http port> <stats port>}. */
	public static final String READY = "SCALE-SERVER-READY";

	public static void main(String[] args) throws IOException {
		SpringApplication application = new SpringApplication(ScaleApplication.class);
		ConfigurableApplicationContext context = application.run(args);
		Integer port = context.getEnvironment().getProperty("local.server.port", Integer.class);
		if (port == null) {
			throw new IllegalStateException("The scale server started without a web server (local.server.port unset)");
		}
		HttpServer stats = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		stats.setExecutor(Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, "scale-stats");
			thread.setDaemon(true);
			return thread;
		}));
		Stats source = new Stats(context);
		stats.createContext("/stats", (exchange) -> respond(exchange, source));
		FlightRecording recording = new FlightRecording();
		stats.createContext("/jfr", (exchange) -> respond(exchange, recording));
		stats.start();
		System.out.println(READY + " " + port + " " + stats.getAddress().getPort());
		System.out.flush();
	}

	private static void respond(HttpExchange exchange, Stats source) throws IOException {
		String query = exchange.getRequestURI().getQuery();
		respond(exchange, () -> source.read(query != null && query.contains("gc=true"),
				query != null && query.contains("reset=true")));
	}

	private static void respond(HttpExchange exchange, FlightRecording recording) throws IOException {
		String query = exchange.getRequestURI().getQuery();
		respond(exchange, () -> {
			if (query != null && query.startsWith("dump=")) {
				return Map.of("dumped", recording.dump(Path.of(query.substring("dump=".length()))));
			}
			return Map.of("started", recording.start());
		});
	}

	private static void respond(HttpExchange exchange, Supplier<Map<String, Object>> values) throws IOException {
		String body;
		int status;
		try {
			body = values.get()
				.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + "=" + entry.getValue())
				.collect(Collectors.joining("\n", "", "\n"));
			status = 200;
		}
		catch (RuntimeException ex) {
			body = ex.toString();
			status = 500;
		}
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	/**
	 * A JDK Flight Recorder recording over the measured window only (the {@code profile}
	 * settings: method samples every 10-20 ms, allocation samples, lock contention), started
	 * and dumped on request so that start-up and warm-up stay out of it.
	 */
	static final class FlightRecording {

		private @Nullable Recording recording;

		synchronized String start() {
			try {
				Recording started = new Recording(Configuration.getConfiguration("profile"));
				started.start();
				this.recording = started;
				return "profile";
			}
			catch (IOException | ParseException ex) {
				throw new IllegalStateException("Cannot start a flight recording", ex);
			}
		}

		synchronized String dump(Path file) {
			Recording current = this.recording;
			if (current == null) {
				throw new IllegalStateException("No flight recording was started");
			}
			try {
				current.stop();
				current.dump(file);
				current.close();
				this.recording = null;
				return file.toAbsolutePath().toString();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Cannot write the flight recording to " + file, ex);
			}
		}

	}

	/**
	 * What the side channel reports.
	 */
	static final class Stats {

		private static final @Nullable Method IS_VIRTUAL = isVirtualMethod();

		private final ConfigurableApplicationContext context;

		private final ScaleController controller;

		private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

		Stats(ConfigurableApplicationContext context) {
			this.context = context;
			this.controller = context.getBean(ScaleController.class);
		}

		Map<String, Object> read(boolean gc, boolean reset) {
			Map<String, Object> values = new LinkedHashMap<>();
			values.put("nanos", System.nanoTime());
			values.put("cpu-nanos", processCpuNanos());
			values.put("threads", this.threads.getThreadCount());
			values.put("peak-threads", this.threads.getPeakThreadCount());
			values.put("in-flight", this.controller.inFlight());
			values.put("peak-in-flight", this.controller.takePeakInFlight());
			values.put("loops", LoopResources.DEFAULT_IO_WORKER_COUNT);
			values.put("delay-millis", this.controller.delay().toMillis());
			BlockingBridge bridge = this.context.getBeanProvider(BlockingBridge.class).getIfAvailable();
			BlockingPool pool = (bridge != null) ? bridge.pool(BlockingBridge.DEFAULT_POOL) : null;
			values.put("pool-threads", (pool != null) ? pool.threads() : -1);
			values.put("pool-max-threads", (pool != null) ? pool.settings().maxThreads() : -1);
			values.put("pool-queue-capacity", (pool != null) ? pool.settings().queueCapacity() : -1);
			values.put("pool-virtual", (pool != null) && pool.settings().virtualThreads());
			values.put("pool-rejected", (pool != null) ? pool.rejectedCount() : -1);
			Thread handler = this.controller.firstHandlerThread();
			values.put("handler-thread", (handler != null) ? handler.getName() : "");
			values.put("handler-virtual", handler != null && isVirtual(handler));
			if (gc) {
				System.gc();
				values.put("heap-after-gc-bytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
			}
			if (reset) {
				this.threads.resetPeakThreadCount();
			}
			return values;
		}

		private static long processCpuNanos() {
			if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
				return os.getProcessCpuTime();
			}
			return -1;
		}

		private static boolean isVirtual(Thread thread) {
			if (IS_VIRTUAL == null) {
				return false;
			}
			try {
				return (boolean) IS_VIRTUAL.invoke(thread);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("Cannot tell whether " + thread + " is virtual", ex);
			}
		}

		private static @Nullable Method isVirtualMethod() {
			try {
				// Java 21+; this module compiles for Java 17.
				return Thread.class.getMethod("isVirtual");
			}
			catch (NoSuchMethodException ex) {
				return null;
			}
		}

	}

}
