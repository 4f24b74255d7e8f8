package dev.bridge.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.bridge.benchmarks.scale.ScaleApplication;

/**
 * One {@link ScaleApplication} in a JVM of its own (same {@code java} and class path as this
 * one), so that the configurations of the scale benchmark share no JIT profile, heap or
 * threads. Killed with {@code SIGKILL} at the end of its run: its state is read before, and a
 * graceful shutdown would wait for thousands of connections.
 */
final class ScaleServer implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

	private static final int TAIL_LINES = 40;

	/** Every server still running, killed by a shutdown hook if this program is stopped. */
	private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "scale-reaper"));
	}

	private final Process process;

	private final Deque<String> tail = new ArrayDeque<>();

	private final CompletableFuture<int[]> ready = new CompletableFuture<>();

	private final HttpClient statsClient = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	private final int port;

	private final int statsPort;

	private ScaleServer(List<String> command) {
		try {
			this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the scale server: " + String.join(" ", command), ex);
		}
		LIVE.add(this.process);
		Thread reader = new Thread(this::readOutput, "scale-server-output");
		reader.setDaemon(true);
		reader.start();
		int[] ports;
		try {
			ports = this.ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			close();
			throw new IllegalStateException("Interrupted while the scale server started", ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			close();
			throw new IllegalStateException("The scale server did not print '" + ScaleApplication.READY + "' within "
					+ START_TIMEOUT.toSeconds() + " s (" + ex + "); its last output:\n" + tail(), ex);
		}
		this.port = ports[0];
		this.statsPort = ports[1];
	}

	/**
	 * Starts a server and waits until it answers.
	 * @param jvmArguments JVM options (heap, flight recorder)
	 * @param properties application properties, as {@code name -> value}
	 * @return the running server
	 */
	static ScaleServer start(List<String> jvmArguments, Map<String, String> properties) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmArguments);
		command.add("-classpath");
		command.add(System.getProperty("java.class.path"));
		command.add(ScaleApplication.class.getName());
		Map<String, String> all = new LinkedHashMap<>();
		all.put("server.port", "0");
		all.put("server.address", "127.0.0.1");
		// Not the demo's application.properties, which is on the same class path.
		all.put("spring.config.name", "bridge-scale");
		all.put("spring.main.banner-mode", "off");
		all.put("logging.level.root", "WARN");
		all.putAll(properties);
		all.forEach((name, value) -> command.add("--" + name + "=" + value));
		return new ScaleServer(command);
	}

	private void readOutput() {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				if (line.startsWith(ScaleApplication.READY + " ")) {
					String[] parts = line.split(" ");
					this.ready.complete(new int[] { Integer.parseInt(parts[1]), Integer.parseInt(parts[2]) });
				}
				synchronized (this.tail) {
					if (this.tail.size() == TAIL_LINES) {
						this.tail.removeFirst();
					}
					this.tail.addLast(line);
				}
			}
		}
		catch (IOException ex) {
			// the process ended
		}
		this.ready.completeExceptionally(new IllegalStateException("the server exited with " + exitValue()));
	}

	private String exitValue() {
		try {
			return Integer.toString(this.process.waitFor());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "(unknown)";
		}
	}

	/**
	 * The server's last lines of output.
	 * @return the lines
	 */
	String tail() {
		synchronized (this.tail) {
			return String.join("\n", this.tail);
		}
	}

	/**
	 * An address on the server.
	 * @param path path and query, starting with {@code /}
	 * @return the URI
	 */
	URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

	/**
	 * Reads the side channel: threads, CPU, heap, the thread of the first blocking call.
	 * @param gc whether to collect garbage first and report the heap used after it
	 * @param reset whether to start new peaks (threads, blocking calls in flight)
	 * @return name to value
	 */
	Map<String, String> stats(boolean gc, boolean reset) {
		return sideChannel("/stats?gc=" + gc + "&reset=" + reset);
	}

	/**
	 * Starts a flight recording in the server.
	 */
	void startFlightRecording() {
		sideChannel("/jfr?start");
	}

	/**
	 * Stops the flight recording and writes it.
	 * @param file where to write it
	 */
	void dumpFlightRecording(Path file) {
		sideChannel("/jfr?dump=" + file.toAbsolutePath());
	}

	private Map<String, String> sideChannel(String pathAndQuery) {
		URI uri = URI.create("http://127.0.0.1:" + this.statsPort + pathAndQuery);
		HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build();
		try {
			HttpResponse<String> response = this.statsClient.send(request, HttpResponse.BodyHandlers.ofString());
			if (response.statusCode() != 200) {
				throw new IllegalStateException("The scale server's " + uri + " answered " + response.statusCode()
						+ ": " + response.body());
			}
			Map<String, String> values = new LinkedHashMap<>();
			response.body().lines().filter((line) -> line.contains("=")).forEach((line) -> {
				int equals = line.indexOf('=');
				values.put(line.substring(0, equals), line.substring(equals + 1));
			});
			return values;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read " + uri + "; the server's last output:\n" + tail(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while reading " + uri, ex);
		}
	}

	@Override
	public void close() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		LIVE.remove(this.process);
	}

}
