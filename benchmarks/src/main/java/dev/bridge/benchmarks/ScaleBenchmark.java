package dev.bridge.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.bridge.benchmarks.scale.ScaleApplication;

/**
 * Thousands of concurrent blocking calls: closed-loop clients on a 200 ms blocking route, for
 * Bridge's platform pool, Bridge's virtual-thread pool, Spring Boot's virtual-thread executor
 * without Bridge, and the naive route that sleeps on the event loop. Each run starts a fresh
 * {@link ScaleApplication} JVM; the configurations alternate within a round (the order is
 * reversed every other round) and every round repeats them all, so that each figure is read
 * against its neighbours measured under the same machine load. Per run: requests per second
 * against the bound {@code min(clients, threads) / delay}, {@code /ping} latency from an
 * open-loop probe, errors by kind, and the server's platform threads, heap after GC and
 * process CPU.
 * <p>
 * Run with {@code mvn -q install -DskipTests && mvn -q -pl benchmarks exec:exec@scale}
 * (Java 21+ for the virtual-thread configurations).
 */
public final class ScaleBenchmark {

	/** Threads of the Bridge virtual-thread pool: above the largest client count. */
	static final int VIRTUAL_MAX_THREADS = 5000;

	/** How long the pings still in flight at the end of a window may take before the server is stopped. */
	private static final long PING_GRACE_SECONDS = 5;

	/** Where to write a flight recording of each measured window ({@code -Dbench.scale-jfr}), or none. */
	private static final @Nullable Path FLIGHT_RECORDINGS = flightRecordings();

	private ScaleBenchmark() {
	}

	public static void main(String[] args) throws InterruptedException, IOException {
		BenchSettings settings = BenchSettings.fromSystemProperties();
		List<Integer> clientCounts = intList("bench.scale-clients", "100,1000,4000");
		List<Config> configs = configs(System.getProperty("bench.scale-configs", ""));
		List<String> serverJvm = new ArrayList<>();
		serverJvm.add(System.getProperty("bench.server-heap", "-Xmx1g"));
		serverJvm.add("-Djava.awt.headless=true");
		String extra = System.getProperty("bench.server-args", "").trim();
		if (!extra.isEmpty()) {
			serverJvm.addAll(Arrays.asList(extra.split("\\s+")));
		}
		int runs = settings.rounds() * clientCounts.size() * configs.size();
		System.out.printf(Locale.ROOT,
				"scale: %s x clients %s x %d rounds = %d server JVMs, %d s warm-up + %d s measured each; "
						+ "server JVM options %s; %s%n",
				configs.stream().map(Config::label).toList(), clientCounts, settings.rounds(), runs,
				settings.warmupSeconds(), settings.phaseSeconds(), serverJvm, openFileLimit());
		ThreadFactory clientThreads = clientThreads();
		// This JVM's client code is as cold as the first server: one run to warm it, not recorded.
		Run discarded = run(settings, serverJvm, clientThreads, configs.get(0), clientCounts.get(0), 0);
		System.out.println("discarded (warms this JVM's clients): " + discarded.line());
		List<Run> results = new ArrayList<>();
		for (int round = 1; round <= settings.rounds(); round++) {
			for (int clients : clientCounts) {
				List<Config> order = new ArrayList<>(configs);
				if (round % 2 == 0) {
					Collections.reverse(order);
				}
				for (Config config : order) {
					Run run = run(settings, serverJvm, clientThreads, config, clients, round);
					System.out.println(run.line());
					results.add(run);
					// Kept current after every run: an interrupted run still leaves its table.
					tables(settings, serverJvm, clientCounts, configs, results).writePartial(settings.results());
				}
			}
		}
		tables(settings, serverJvm, clientCounts, configs, results).publish(settings.results());
	}

	private static Run run(BenchSettings settings, List<String> serverJvm, ThreadFactory clientThreads, Config config,
			int clients, int round) throws InterruptedException {
		try (ScaleServer server = ScaleServer.start(serverJvm, config.properties())) {
			URI load = server.uri(config.route());
			ClosedLoopClients loadClients = new ClosedLoopClients(clients, (n) -> load, clientThreads,
					"scale-" + config.label());
			OpenLoopProbe probe = new OpenLoopProbe(server.uri("/ping"), settings.pingRate());
			try {
				TimeUnit.SECONDS.sleep(settings.warmupSeconds());
				// Thousands of clients take a while to connect on a busy machine: until about one
				// answer per client, the window would measure the ramp. At most one more warm-up.
				long rampDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.warmupSeconds());
				while (loadClients.answers() < clients && System.nanoTime() < rampDeadline) {
					TimeUnit.MILLISECONDS.sleep(100);
				}
				if (FLIGHT_RECORDINGS != null) {
					server.startFlightRecording();
				}
				Map<String, String> before = server.stats(false, true);
				loadClients.startMeasuring();
				probe.startMeasuring();
				long began = System.nanoTime();
				TimeUnit.SECONDS.sleep(settings.phaseSeconds());
				Map<String, String> after = server.stats(false, false);
				LatencyRecorder.Summary answered = loadClients.stopMeasuring();
				double seconds = (System.nanoTime() - began) / 1e9;
				CompletableFuture<OpenLoopProbe.Result> pings = CompletableFuture.supplyAsync(probe::finish);
				if (FLIGHT_RECORDINGS != null) {
					Path file = FLIGHT_RECORDINGS.resolve(config.label() + "-" + clients + "-r" + round + ".jfr");
					server.dumpFlightRecording(file);
					System.out.println("flight recording of the window: " + file.toAbsolutePath());
				}
				OpenLoopProbe.@Nullable Result ping = null;
				try {
					ping = pings.get(PING_GRACE_SECONDS, TimeUnit.SECONDS);
				}
				catch (TimeoutException ex) {
					// Pings stuck behind blocked loops: they end when the server is stopped below.
				}
				catch (ExecutionException ex) {
					throw new IllegalStateException("The ping probe failed", ex);
				}
				Map<String, String> collected = server.stats(true, false);
				server.close();
				if (ping == null) {
					try {
						ping = pings.get(60, TimeUnit.SECONDS);
					}
					catch (ExecutionException | TimeoutException ex) {
						throw new IllegalStateException("The ping probe did not finish after the server stopped", ex);
					}
				}
				Run run = new Run(config, clients, round, seconds, answered, ping.latency(), before, after,
						collected);
				run.checkHandlerThread();
				return run;
			}
			finally {
				// The server is gone: the clients' calls fail at once and they stop.
				server.close();
				loadClients.close();
				probe.close();
			}
		}
	}

	private static Tables tables(BenchSettings settings, List<String> serverJvm, List<Integer> clientCounts,
			List<Config> configs, List<Run> results) {
		ResultTable runs = new ResultTable("round", "configuration", "clients", "handler thread", "req/s",
				"bound req/s", "% of bound", "load p99 ms", "ping p99 ms", "errors 503 / timeout / connection / other",
				"server threads (peak)", "blocking calls in flight (peak)", "heap after GC MiB", "CPU cores",
				"CPU us/req");
		for (Run run : results) {
			runs.row(run.round(), run.config().label(), run.clients(), run.handlerThread(), run.perSecond(),
					run.bound(), 100 * run.perSecond() / run.bound(), ResultTable.millis(run.answered().p99Nanos()),
					ResultTable.millis(run.ping().p99Nanos()), run.errors(), run.threads(), run.peakInFlight(),
					run.heapMib(), run.cpuCores(), run.cpuMicrosPerRequest());
		}
		ResultTable summary = new ResultTable("configuration", "clients", "bound req/s", "req/s per round",
				"% of bound", "req/s vs boot-virtual", "ping p99 ms per round", "ping p99 vs boot-virtual",
				"errors 503 / timeout / connection / other", "server threads", "heap after GC MiB", "CPU us/req");
		for (int clients : clientCounts) {
			for (Config config : configs) {
				List<Run> mine = select(results, (run) -> run.config() == config && run.clients() == clients);
				if (mine.isEmpty()) {
					continue;
				}
				List<Run> reference = select(results,
						(run) -> run.config() == Config.BOOT_VIRTUAL && run.clients() == clients);
				summary.row(config.label(), clients, mine.get(0).bound(), joined(mine, Run::perSecond),
						ResultTable.decimal(mean(mine, (run) -> 100 * run.perSecond() / run.bound())),
						pairedRatio(mine, reference, Run::perSecond), joined(mine, (run) -> run.ping().p99Nanos() / 1e6),
						pairedRatio(mine, reference, (run) -> (double) run.ping().p99Nanos()),
						mine.stream().map(Run::errors).collect(Collectors.joining("; ")),
						mine.stream().map(Run::threads).collect(Collectors.joining(" / ")),
						joined(mine, Run::heapMib), joined(mine, Run::cpuMicrosPerRequest));
			}
		}
		String notes = String.format(Locale.ROOT,
				"Each run: a fresh server JVM (this java, options %s), %d s warm-up (up to twice that, until "
						+ "about one answer per client: thousands of clients take a while to connect), %d s "
						+ "measured, closed-loop clients on the route (JDK HTTP client, one connection per client, "
						+ "30 s request timeout, client threads %s) and an open-loop probe at %d req/s on /ping "
						+ "(latency from each ping's due time; pings still unanswered %d s after the window count "
						+ "until the server is stopped). Configurations alternate within each round, in reverse "
						+ "order every other round, after one discarded run that warms this JVM's clients; ratios "
						+ "are paired per round (same client count, same round). Bound: min(clients, threads that "
						+ "can wait) / delay: bridge-platform the pool's max-threads, bridge-virtual %d, "
						+ "boot-virtual unbounded (the clients), naive the event loops. Errors: 503 (pool "
						+ "saturated), timeouts (no answer within 30 s), connection (refused, reset, closed), "
						+ "other statuses. Server threads: live platform threads at the end of the window (peak "
						+ "during it); virtual threads are not counted there, the blocking calls sleeping at once "
						+ "are. Heap: used after System.gc() at the end of the window, load still running. CPU: "
						+ "server process CPU time over the window (cores busy) and per answered request.",
				String.join(" ", serverJvm), settings.warmupSeconds(), settings.phaseSeconds(), clientThreadKind(),
				settings.pingRate(), PING_GRACE_SECONDS, VIRTUAL_MAX_THREADS);
		summary.note(notes);
		for (Config config : configs) {
			summary.note("`" + config.label() + "`: " + config.description());
		}
		summary.note("Handler thread of each run (the first blocking call, checked against the configuration): "
				+ results.stream()
					.map((run) -> run.config().label() + "/" + run.clients() + "/r" + run.round() + " "
							+ run.handlerThread())
					.collect(Collectors.joining(", "))
				+ ".");
		return new Tables(runs, summary);
	}

	/**
	 * The two tables of the program: every run, and the summary per configuration and
	 * client count.
	 */
	private record Tables(ResultTable runs, ResultTable summary) {

		void publish(Path directory) {
			this.runs.publish(directory, "scale-runs", "### Scale: every run\n\n" + ResultTable.machine() + "\n");
			this.summary.publish(directory, "scale",
					"### Scale: thousands of concurrent blocking calls\n\n" + ResultTable.machine() + "\n");
		}

		void writePartial(Path directory) throws IOException {
			Files.createDirectories(directory);
			String header = "### Scale (partial: the run is still going or was stopped)\n\n" + ResultTable.machine()
					+ "\n\n";
			Files.writeString(directory.resolve("scale-runs.md"), header + this.runs.toMarkdown());
			Files.writeString(directory.resolve("scale.md"), header + this.summary.toMarkdown());
		}

	}

	private static List<Run> select(List<Run> runs, Predicate<Run> filter) {
		return runs.stream().filter(filter).toList();
	}

	private static String joined(List<Run> runs, ToDoubleFunction<Run> value) {
		return runs.stream().map((run) -> ResultTable.decimal(value.applyAsDouble(run))).collect(Collectors.joining(" / "));
	}

	private static double mean(List<Run> runs, ToDoubleFunction<Run> value) {
		return runs.stream().mapToDouble(value).average().orElse(Double.NaN);
	}

	private static String pairedRatio(List<Run> runs, List<Run> reference, ToDoubleFunction<Run> value) {
		if (reference.isEmpty()) {
			return "n/a";
		}
		List<Double> ratios = new ArrayList<>();
		for (Run run : runs) {
			for (Run other : reference) {
				if (other.round() == run.round() && value.applyAsDouble(other) > 0) {
					ratios.add(value.applyAsDouble(run) / value.applyAsDouble(other));
				}
			}
		}
		if (ratios.isEmpty()) {
			return "n/a";
		}
		double mean = ratios.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
		return String.format(Locale.ROOT, "%.2fx (%s)", mean,
				ratios.stream().map((ratio) -> String.format(Locale.ROOT, "%.2f", ratio)).collect(Collectors.joining(" / ")));
	}

	static List<Integer> intList(String property, String fallback) {
		String value = System.getProperty(property, fallback);
		try {
			List<Integer> values = Arrays.stream(value.split(",")).map(String::trim).map(Integer::parseInt).toList();
			if (!values.isEmpty() && values.stream().allMatch((v) -> v > 0)) {
				return values;
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new IllegalArgumentException("-D" + property + " must be a comma-separated list of strictly positive "
				+ "integers, was '" + value + "'; for example -D" + property + "=" + fallback);
	}

	static List<Config> configs(String names) {
		List<Config> all = List.of(Config.values());
		if (names.isBlank()) {
			return (Runtime.version().feature() >= 21) ? all
					: all.stream().filter((config) -> !config.needsVirtualThreads()).toList();
		}
		List<Config> chosen = new ArrayList<>();
		for (String name : names.split(",")) {
			Config config = all.stream().filter((c) -> c.label().equals(name.trim())).findFirst().orElseThrow(
					() -> new IllegalArgumentException("-Dbench.scale-configs names '" + name.trim()
							+ "', which is not a configuration; use a comma-separated subset of "
							+ all.stream().map(Config::label).collect(Collectors.joining(","))));
			if (config.needsVirtualThreads() && Runtime.version().feature() < 21) {
				throw new IllegalArgumentException("-Dbench.scale-configs names '" + config.label()
						+ "', which needs Java 21+, but this is Java " + Runtime.version().feature()
						+ "; run with a JDK 21+ JAVA_HOME or leave it out");
			}
			chosen.add(config);
		}
		return chosen;
	}

	/**
	 * Virtual threads for the clients where the JVM has them (thousands of platform threads
	 * would cost this JVM more CPU than the server under test), platform threads otherwise.
	 */
	private static ThreadFactory clientThreads() {
		try {
			Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
			return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
		}
		catch (ReflectiveOperationException ex) {
			return (task) -> {
				Thread thread = new Thread(null, task, "scale-client", 256 * 1024);
				thread.setDaemon(true);
				return thread;
			};
		}
	}

	private static @Nullable Path flightRecordings() {
		String directory = System.getProperty("bench.scale-jfr", "").trim();
		if (directory.isEmpty()) {
			return null;
		}
		try {
			return Files.createDirectories(Path.of(directory));
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("-Dbench.scale-jfr names '" + directory
					+ "', which cannot be created as a directory; point it at a writable directory", ex);
		}
	}

	private static String clientThreadKind() {
		return (Runtime.version().feature() >= 21) ? "virtual" : "platform";
	}

	private static String openFileLimit() {
		Path limits = Path.of("/proc/self/limits");
		try {
			if (Files.isReadable(limits)) {
				return Files.readAllLines(limits)
					.stream()
					.filter((line) -> line.startsWith("Max open files"))
					.map((line) -> "open files limit " + line.replaceAll("Max open files\\s+", "").replaceAll("\\s+", " ").trim())
					.findFirst()
					.orElse("open files limit unknown");
			}
		}
		catch (IOException ex) {
			// reported as unknown
		}
		return "open files limit unknown";
	}

	/**
	 * The configurations compared.
	 */
	enum Config {

		BRIDGE_PLATFORM("bridge-platform", "/blocking", Map.of(),
				"`@Blocking String` handler on Bridge's default pool (platform threads, max-threads and queue-capacity "
						+ "at their defaults)") {
			@Override
			@Nullable String checkThread(String name, boolean virtual) {
				return (name.startsWith("bridge-default-") && !virtual) ? null : "a platform bridge-default-* thread";
			}
		},
		BRIDGE_VIRTUAL("bridge-virtual", "/blocking",
				Map.of("bridge.pools.default.virtual-threads", "true", "bridge.pools.default.max-threads",
						Integer.toString(VIRTUAL_MAX_THREADS)),
				"the same handler on Bridge's default pool with `bridge.pools.default.virtual-threads=true`, "
						+ "`bridge.pools.default.max-threads=" + VIRTUAL_MAX_THREADS + "` (queue-capacity default)") {
			@Override
			@Nullable String checkThread(String name, boolean virtual) {
				return (name.startsWith("bridge-default-") && virtual) ? null : "a virtual bridge-default-* thread";
			}
		},
		BOOT_VIRTUAL("boot-virtual", "/plain", Map.of("spring.threads.virtual.enabled", "true", "bridge.enabled", "false"),
				"the same body without `@Blocking`, `spring.threads.virtual.enabled=true`, `bridge.enabled=false`: "
						+ "WebFlux runs every handler with a non-reactive return type on Boot's virtual-thread "
						+ "`applicationTaskExecutor` (a new virtual thread per call, no bound)") {
			@Override
			@Nullable String checkThread(String name, boolean virtual) {
				return (virtual && !name.startsWith("bridge-")) ? null : "a virtual thread of Boot's executor";
			}
		},
		NAIVE("naive", "/naive", Map.of(),
				"a `Mono<String>` handler that sleeps before returning: WebFlux calls it on the event loop, "
						+ "Bridge present with its defaults") {
			@Override
			@Nullable String checkThread(String name, boolean virtual) {
				return (name.startsWith("reactor-http-") && !virtual) ? null : "a reactor-http-* event loop";
			}
		};

		private final String label;

		private final String route;

		private final Map<String, String> properties;

		private final String description;

		Config(String label, String route, Map<String, String> properties, String description) {
			this.label = label;
			this.route = route;
			this.properties = new LinkedHashMap<>(properties);
			this.description = description;
		}

		String label() {
			return this.label;
		}

		String route() {
			return this.route;
		}

		Map<String, String> properties() {
			return this.properties;
		}

		String description() {
			return this.description;
		}

		boolean needsVirtualThreads() {
			return this == BRIDGE_VIRTUAL || this == BOOT_VIRTUAL;
		}

		/**
		 * Checks where the handler ran.
		 * @param name the thread's name
		 * @param virtual whether it was virtual
		 * @return {@code null} if as expected, else what was expected
		 */
		abstract @Nullable String checkThread(String name, boolean virtual);

	}

	/**
	 * One run: a configuration, a client count, a round.
	 */
	record Run(Config config, int clients, int round, double seconds, LatencyRecorder.Summary answered,
			LatencyRecorder.Summary ping, Map<String, String> before, Map<String, String> after,
			Map<String, String> collected) {

		double perSecond() {
			return this.answered.perSecond(this.seconds);
		}

		double bound() {
			long threads = switch (this.config) {
				case BRIDGE_PLATFORM, BRIDGE_VIRTUAL -> Long.parseLong(this.after.get("pool-max-threads"));
				case BOOT_VIRTUAL -> this.clients;
				case NAIVE -> Long.parseLong(this.after.get("loops"));
			};
			return Math.min(this.clients, threads) / (Long.parseLong(this.after.get("delay-millis")) / 1000.0);
		}

		String errors() {
			long unavailable = 0;
			long timeouts = 0;
			long connection = 0;
			long other = 0;
			for (Map.Entry<String, Long> cause : this.answered.errorCauses().entrySet()) {
				String name = cause.getKey();
				if (name.equals("HTTP 503")) {
					unavailable += cause.getValue();
				}
				else if (name.contains("Timeout")) {
					timeouts += cause.getValue();
				}
				else if (name.startsWith("HTTP ")) {
					other += cause.getValue();
				}
				else {
					connection += cause.getValue();
				}
			}
			return unavailable + " / " + timeouts + " / " + connection + " / " + other;
		}

		String threads() {
			return this.after.get("threads") + " (" + this.after.get("peak-threads") + ")";
		}

		String peakInFlight() {
			return this.after.get("peak-in-flight");
		}

		double heapMib() {
			return Long.parseLong(this.collected.get("heap-after-gc-bytes")) / (1024.0 * 1024.0);
		}

		double cpuCores() {
			return cpuNanos() / (double) (Long.parseLong(this.after.get("nanos")) - Long.parseLong(this.before.get("nanos")));
		}

		double cpuMicrosPerRequest() {
			return (this.answered.count() == 0) ? Double.NaN : cpuNanos() / 1000.0 / this.answered.count();
		}

		private long cpuNanos() {
			return Long.parseLong(this.after.get("cpu-nanos")) - Long.parseLong(this.before.get("cpu-nanos"));
		}

		String handlerThread() {
			return this.collected.get("handler-thread") + (Boolean.parseBoolean(this.collected.get("handler-virtual"))
					? " (virtual)" : " (platform)");
		}

		void checkHandlerThread() {
			String name = this.collected.get("handler-thread");
			String expected = this.config.checkThread(name, Boolean.parseBoolean(this.collected.get("handler-virtual")));
			if (expected != null) {
				throw new IllegalStateException("Configuration " + this.config.label() + " with " + this.clients
						+ " clients ran its first blocking call on '" + handlerThread() + "', expected " + expected
						+ "; the table would be mislabelled");
			}
		}

		String line() {
			return String.format(Locale.ROOT,
					"round %d %-15s %5d clients: %8.1f req/s (bound %.0f, %5.1f %%), load p99 %s ms, ping p99 %s ms, "
							+ "errors %s %s, threads %s, in flight %s, heap %.1f MiB, CPU %.2f cores %.1f us/req, handler %s",
					this.round, this.config.label(), this.clients, perSecond(), bound(), 100 * perSecond() / bound(),
					ResultTable.millis(this.answered.p99Nanos()), ResultTable.millis(this.ping.p99Nanos()), errors(),
					this.answered.errorCauses(), threads(), peakInFlight(), heapMib(), cpuCores(),
					cpuMicrosPerRequest(), handlerThread());
		}

	}

}
