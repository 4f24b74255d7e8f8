package dev.bridge.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import dev.bridge.pool.BlockingPool;
import reactor.netty.http.server.HttpServer;

/**
 * A soak: the demo under a few minutes of mixed load, with a share of clients that hang up
 * before their answer, then a check that the server went back to where it started. Starts
 * the demo in this JVM on a loopback port (pools' keep-alive shortened to
 * {@link #KEEP_ALIVE}, so that idle threads retire within the run), warms it up, takes a
 * snapshot (heap after GC, live threads, pool threads), runs the load, lets the pools go
 * idle, takes the same snapshot again and prints one table with a verdict.
 * <p>
 * Run with {@code mvn -q install -DskipTests && mvn -q -pl benchmarks exec:exec@soak}.
 */
public final class Soak {

	/**
	 * Keep-alive of both demo pools during the soak: the demo's own is Bridge's default, a
	 * minute, which would leave the threads of the load alive at the end snapshot.
	 */
	static final Duration KEEP_ALIVE = Duration.ofSeconds(2);

	/** Wait before a snapshot: the pools' keep-alive plus time for the executor to notice. */
	private static final Duration SETTLE = KEEP_ALIVE.plusSeconds(3);

	static final int THREAD_TOLERANCE = 2;

	static final long HEAP_TOLERANCE_MIB = 8;

	static final int HEAP_TOLERANCE_PERCENT = 10;

	/** Sequential calls after each snapshot: a pool that reuses its idle thread stays at one. */
	private static final int REUSE_PROBE_CALLS = 20;

	/**
	 * Longest wait for an answer: above the demo's images pool timeout (10 s), so that a
	 * thumbnail stuck in the queue still comes back as its 504 rather than as a client error.
	 */
	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

	private static final List<String> POOLS = List.of("default", "images");

	private static final List<Integer> LISTED_STATUSES = List.of(200, 400, 404, 502, 503, 504);

	private Soak() {
	}

	public static void main(String[] args) throws InterruptedException {
		// Before any java.awt class loads: thumbnails draw without a display.
		System.setProperty("java.awt.headless", "true");
		BenchSettings settings = BenchSettings.fromSystemProperties();
		int disconnectPercent = BenchSettings.percent("bench.disconnect-percent", 20);
		int leavers = Math.round(settings.clients() * disconnectPercent / 100f);
		int stayers = settings.clients() - leavers;
		Map<String, String> properties = Map.of("bridge.pools.default.keep-alive", KEEP_ALIVE.toSeconds() + "s",
				"bridge.pools.images.keep-alive", KEEP_ALIVE.toSeconds() + "s");
		// A fixed executor: the JDK client's default one is a cached pool whose threads retire
		// after 60 s, which would move the live thread count between the two snapshots.
		ExecutorService httpExecutor = Executors.newFixedThreadPool(4, (task) -> {
			Thread thread = new Thread(task, "soak-http");
			thread.setDaemon(true);
			return thread;
		});
		HttpClient http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(REQUEST_TIMEOUT)
			.executor(httpExecutor)
			.build();
		try (DemoServer server = DemoServer.start(properties)) {
			System.out.printf(Locale.ROOT, "warm-up: %d clients + %d disconnecting, %d s%n", stayers, leavers,
					settings.warmupSeconds());
			try (MixedLoad warmUp = new MixedLoad(server, http, stayers, leavers, 1)) {
				TimeUnit.SECONDS.sleep(settings.warmupSeconds());
			}
			Snapshot start = Snapshot.take(server, http);
			System.out.println("start: " + start);
			Map<String, Double> countersBefore = counters(server);
			System.out.printf(Locale.ROOT, "soak: %d clients + %d disconnecting, %d s%n", stayers, leavers,
					settings.phaseSeconds());
			MixedLoad soak = new MixedLoad(server, http, stayers, leavers, 2);
			long began = System.nanoTime();
			TimeUnit.SECONDS.sleep(settings.phaseSeconds());
			long stopping = System.nanoTime();
			// Every client finishes (or abandons) its current request before this returns.
			soak.close();
			double seconds = (stopping - began) / 1e9;
			double drainSeconds = (System.nanoTime() - stopping) / 1e9;
			Map<String, Double> countersAfter = counters(server);
			Snapshot end = Snapshot.take(server, http);
			System.out.println("end:   " + end);
			publish(settings, disconnectPercent, stayers, leavers, seconds, drainSeconds, soak.tally(),
					countersBefore, countersAfter, start, end);
		}
		finally {
			httpExecutor.shutdownNow();
		}
	}

	private static Map<String, Double> counters(DemoServer server) {
		Map<String, Double> counters = new TreeMap<>();
		for (String pool : POOLS) {
			counters.put("bridge.pool.rejected pool=" + pool, server.count("bridge.pool.rejected", "pool", pool));
			counters.put("bridge.pool.cancelled pool=" + pool, server.count("bridge.pool.cancelled", "pool", pool));
		}
		counters.put("bridge.eventloop.stalls", server.count("bridge.eventloop.stalls"));
		return counters;
	}

	private static void publish(BenchSettings settings, int disconnectPercent, int stayers, int leavers,
			double seconds, double drainSeconds, Tally tally, Map<String, Double> before, Map<String, Double> after,
			Snapshot start, Snapshot end) {
		ResultTable table = new ResultTable("measure", "value");
		table.row("load", String.format(Locale.ROOT,
				"%.0f s, %d clients (%d of them disconnecting); the last requests ended %.1f s after it stopped",
				seconds, stayers + leavers, leavers, drainSeconds));
		Map<String, Long> perRoute = tally.perRoute();
		table.row("requests sent (ping / legacy / thumbnails / users)",
				String.format(Locale.ROOT, "%d (%s)", tally.sent(), Route.names()
					.stream()
					.map((route) -> Long.toString(perRoute.getOrDefault(route, 0L)))
					.collect(Collectors.joining(" / "))));
		Map<Integer, Long> statuses = tally.statuses();
		TreeSet<Integer> shown = new TreeSet<>(LISTED_STATUSES);
		shown.addAll(statuses.keySet());
		for (int status : shown) {
			table.row("responses " + status, statuses.getOrDefault(status, 0L));
		}
		table.row("client-side disconnects before the response", tally.disconnects());
		Map<String, Long> errors = tally.errors();
		long errorCount = errors.values().stream().mapToLong(Long::longValue).sum();
		table.row("errors (client side: no answer within " + REQUEST_TIMEOUT.toSeconds() + " s, I/O failures)",
				errorCount + (errors.isEmpty() ? "" : " " + errors));
		LatencyRecorder.Summary ping = tally.ping();
		table.row("/api/ping p50 / p99 ms", ResultTable.millis(ping.p50Nanos()) + " / "
				+ ResultTable.millis(ping.p99Nanos()));
		before.forEach((meter, value) -> table.row(meter + " (during the soak)",
				(value < 0 || after.get(meter) < 0) ? "n/a" : Long.toString(Math.round(after.get(meter) - value))));
		table.row("heap used after GC, MiB (start / end)",
				ResultTable.decimal(start.heapMib()) + " / " + ResultTable.decimal(end.heapMib()));
		table.row("live threads (start / end)", start.threads() + " / " + end.threads());
		for (String pool : POOLS) {
			table.row("pool " + pool + " threads (start / end)",
					start.poolThreads().get(pool) + " / " + end.poolThreads().get(pool));
		}
		table.row("pool default threads after " + REUSE_PROBE_CALLS + " sequential calls (start / end)",
				start.threadsAfterReuseProbe() + " / " + end.threadsAfterReuseProbe());
		table.row("pools active, queued at the end snapshot", end.activeAndQueued());
		long heapTolerance = Math.max(HEAP_TOLERANCE_MIB, Math.round(start.heapMib() * HEAP_TOLERANCE_PERCENT / 100));
		boolean threadsBack = end.threads() <= start.threads() + THREAD_TOLERANCE;
		boolean heapBack = end.heapMib() <= start.heapMib() + heapTolerance;
		boolean reuseKept = end.threadsAfterReuseProbe() <= start.threadsAfterReuseProbe();
		table.note(String.format(Locale.ROOT,
				"Verdict: threads %s (%d -> %d, tolerance +%d), heap %s (%.1f -> %.1f MiB, tolerance +%d MiB: "
						+ "the larger of %d MiB and %d %% of the start), idle-thread reuse %s (%d -> %d threads); %s.",
				threadsBack ? "returned to their start level" : "DID NOT return", start.threads(), end.threads(),
				THREAD_TOLERANCE, heapBack ? "returned to its start level" : "DID NOT return", start.heapMib(),
				end.heapMib(), heapTolerance, HEAP_TOLERANCE_MIB, HEAP_TOLERANCE_PERCENT,
				reuseKept ? "unchanged" : "WORSE", start.threadsAfterReuseProbe(), end.threadsAfterReuseProbe(),
				(threadsBack && heapBack && reuseKept) ? "PASS" : "FAIL"));
		String threadDiff = start.threadGroupsChangedIn(end);
		if (!threadDiff.isEmpty()) {
			table.note("Thread groups that changed between the snapshots (name with digits as #: start -> end): "
					+ threadDiff + ".");
		}
		table.note(String.format(Locale.ROOT,
				"Mix per request: /api/ping 25 %%, /api/legacy/{id}?delayMs=0-300 35 %%, "
						+ "/api/thumbnails/{id}?size=16-512 20 %%, /api/users/{id} 20 %%; %d %% of the clients "
						+ "(no ping) send each request on a new connection and close it at a random moment before the "
						+ "answer is due (within the legacy delay, 100 ms for thumbnails, 80 ms for users); an answer "
						+ "that arrives first counts as a response. 2 %% of legacy, thumbnail and user requests carry "
						+ "a bad parameter (delayMs=5000, size=4000, user 0) to exercise the 400 and 404 paths. "
						+ "%d s warm-up with the same mix before the start snapshot. Pools' keep-alive %d s for "
						+ "this run (bridge.pools.default.keep-alive, bridge.pools.images.keep-alive); each snapshot "
						+ "is taken %d s after the load stopped, after 3 x System.gc() with 0.5 s pauses (heap "
						+ "from MemoryMXBean, threads from ThreadMXBean; this JVM runs the clients too, stopped "
						+ "at both snapshots, and still holds the soak's tallies, under 1 MiB, at the end one). Counters are the differences over the soak. Server: Reactor Netty %s.",
				disconnectPercent, settings.warmupSeconds(), KEEP_ALIVE.toSeconds(), SETTLE.toSeconds(),
				HttpServer.class.getPackage().getImplementationVersion()));
		table.publish(settings.results(), "soak",
				"### Soak: mixed load with disconnecting clients\n\n" + ResultTable.machine() + "\n");
	}

	/**
	 * The routes of the mix, with how long a disconnecting client may wait before it leaves.
	 */
	private enum Route {

		PING("ping"), LEGACY("legacy"), THUMBNAILS("thumbnails"), USERS("users");

		private final String label;

		Route(String label) {
			this.label = label;
		}

		static List<String> names() {
			return List.of(PING.label, LEGACY.label, THUMBNAILS.label, USERS.label);
		}

	}

	/**
	 * One request of the mix.
	 *
	 * @param route its route
	 * @param path path and query
	 * @param leaveWithinMillis a disconnecting client closes the connection after a random
	 * time up to this
	 */
	private record Call(Route route, String path, int leaveWithinMillis) {

		static Call next(SplittableRandom random, boolean leaver) {
			// Leavers skip ping: it answers before any moment they could pick.
			int roll = leaver ? 25 + random.nextInt(75) : random.nextInt(100);
			boolean bad = random.nextInt(100) < 2;
			long id = 1 + random.nextInt(1000);
			if (roll < 25) {
				return new Call(Route.PING, "/api/ping", 1);
			}
			if (roll < 60) {
				int delay = bad ? 5_000 : random.nextInt(301);
				return new Call(Route.LEGACY, "/api/legacy/" + id + "?delayMs=" + delay, Math.max(1, delay));
			}
			if (roll < 80) {
				int size = bad ? 4_000 : 16 + random.nextInt(497);
				return new Call(Route.THUMBNAILS, "/api/thumbnails/" + id + "?size=" + size, 100);
			}
			return new Call(Route.USERS, "/api/users/" + (bad ? 0 : id), 80);
		}

	}

	/**
	 * What the clients saw, counted from many threads.
	 */
	private static final class Tally {

		private final Map<Route, LongAdder> sent = new ConcurrentHashMap<>();

		private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();

		private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

		private final LongAdder disconnects = new LongAdder();

		private final LatencyRecorder ping = new LatencyRecorder();

		void sent(Route route) {
			this.sent.computeIfAbsent(route, (key) -> new LongAdder()).increment();
		}

		void status(int status) {
			this.statuses.computeIfAbsent(status, (key) -> new LongAdder()).increment();
		}

		void error(Route route, Throwable ex) {
			this.errors.computeIfAbsent(route.label + " " + ex.getClass().getSimpleName(), (key) -> new LongAdder())
				.increment();
		}

		void disconnected() {
			this.disconnects.increment();
		}

		void pinged(long nanos) {
			this.ping.record(nanos);
		}

		long sent() {
			return this.sent.values().stream().mapToLong(LongAdder::sum).sum();
		}

		Map<String, Long> perRoute() {
			return this.sent.entrySet()
				.stream()
				.collect(Collectors.toMap((entry) -> entry.getKey().label, (entry) -> entry.getValue().sum()));
		}

		Map<Integer, Long> statuses() {
			return sums(this.statuses);
		}

		Map<String, Long> errors() {
			return sums(this.errors);
		}

		long disconnects() {
			return this.disconnects.sum();
		}

		LatencyRecorder.Summary ping() {
			return this.ping.summary();
		}

		private static <K extends Comparable<K>> Map<K, Long> sums(Map<K, LongAdder> adders) {
			Map<K, Long> sums = new TreeMap<>();
			adders.forEach((key, adder) -> sums.put(key, adder.sum()));
			return sums;
		}

	}

	/**
	 * Closed-loop clients sending the mix: most through the JDK client on kept-alive
	 * connections, the disconnecting ones on a raw socket each, so that leaving is a real
	 * close of the connection the server is answering on.
	 */
	private static final class MixedLoad implements AutoCloseable {

		private final DemoServer server;

		private final HttpClient http;

		private final InetSocketAddress address;

		private final Tally tally = new Tally();

		private final List<Thread> threads = new ArrayList<>();

		private final AtomicInteger printedErrors = new AtomicInteger();

		private volatile boolean running = true;

		MixedLoad(DemoServer server, HttpClient http, int stayers, int leavers, long seed) {
			this.server = server;
			this.http = http;
			URI base = server.uri("/");
			this.address = new InetSocketAddress(base.getHost(), base.getPort());
			for (int i = 0; i < stayers + leavers; i++) {
				boolean leaver = i >= stayers;
				// Seeded: two runs send the same sequence of calls.
				SplittableRandom random = new SplittableRandom(seed * 1_000 + i);
				Thread thread = new Thread(() -> loop(random, leaver), (leaver ? "soak-leaver-" : "soak-client-") + i);
				thread.setDaemon(true);
				this.threads.add(thread);
			}
			this.threads.forEach(Thread::start);
		}

		Tally tally() {
			return this.tally;
		}

		private void loop(SplittableRandom random, boolean leaver) {
			while (this.running) {
				Call call = Call.next(random, leaver);
				this.tally.sent(call.route());
				try {
					if (leaver) {
						sendAndLeave(call, 1 + random.nextInt(call.leaveWithinMillis()));
					}
					else {
						send(call);
					}
				}
				catch (IOException ex) {
					this.tally.error(call.route(), ex);
					// The first few in full: a count alone does not say which request failed how.
					if (this.printedErrors.getAndIncrement() < 10) {
						System.out.printf(Locale.ROOT, "  error: GET %s%s: %s%n", call.path(),
								leaver ? " (disconnecting client)" : "", ex);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}

		private void send(Call call) throws IOException, InterruptedException {
			HttpRequest request = HttpRequest.newBuilder(this.server.uri(call.path()))
				.timeout(REQUEST_TIMEOUT)
				.GET()
				.build();
			long start = System.nanoTime();
			int status = this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
			if (call.route() == Route.PING && status == 200) {
				this.tally.pinged(System.nanoTime() - start);
			}
			this.tally.status(status);
		}

		private void sendAndLeave(Call call, int leaveAfterMillis) throws IOException {
			try (Socket socket = new Socket()) {
				socket.connect(this.address, (int) REQUEST_TIMEOUT.toMillis());
				OutputStream out = socket.getOutputStream();
				out.write(("GET " + call.path() + " HTTP/1.1\r\nHost: " + this.address.getHostString() + ":"
						+ this.address.getPort() + "\r\nConnection: close\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				socket.setSoTimeout(leaveAfterMillis);
				InputStream in = socket.getInputStream();
				int first;
				try {
					first = in.read();
				}
				catch (SocketTimeoutException ex) {
					// Nothing arrived by the chosen moment: hang up (the socket closes here).
					this.tally.disconnected();
					return;
				}
				socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
				this.tally.status(statusCode(first, in));
			}
		}

		/** Reads the status line ("HTTP/1.1 200 OK") whose first byte was already read. */
		private static int statusCode(int first, InputStream in) throws IOException {
			StringBuilder line = new StringBuilder();
			int next = first;
			while (next != -1 && next != '\n' && line.length() < 200) {
				line.append((char) next);
				next = in.read();
			}
			String[] parts = line.toString().trim().split(" ");
			if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
				throw new IOException("Not an HTTP status line: '" + line + "'");
			}
			try {
				return Integer.parseInt(parts[1]);
			}
			catch (NumberFormatException ex) {
				throw new IOException("Not an HTTP status line: '" + line + "'", ex);
			}
		}

		/**
		 * Stops the clients once their current request is answered or abandoned, and waits for
		 * them.
		 */
		@Override
		public void close() throws InterruptedException {
			this.running = false;
			for (Thread thread : this.threads) {
				thread.join(REQUEST_TIMEOUT.toMillis() + 5_000);
			}
		}

	}

	/**
	 * The server's resting state: heap after GC, threads, pool threads, and how many threads
	 * the default pool needs for a few calls one after the other.
	 *
	 * @param heapMib heap used after GC
	 * @param threads live threads of the JVM
	 * @param threadGroups live threads by name, digits replaced by {@code #}
	 * @param poolThreads threads of each pool
	 * @param threadsAfterReuseProbe threads of the default pool after the sequential calls
	 * @param activeAndQueued active and queued tasks of each pool
	 */
	private record Snapshot(double heapMib, int threads, Map<String, Long> threadGroups, Map<String, Integer> poolThreads,
			int threadsAfterReuseProbe, String activeAndQueued) {

		static Snapshot take(DemoServer server, HttpClient http) throws InterruptedException {
			TimeUnit.MILLISECONDS.sleep(SETTLE.toMillis());
			for (int i = 0; i < 3; i++) {
				System.gc();
				TimeUnit.MILLISECONDS.sleep(500);
			}
			double heapMib = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
			int threads = ManagementFactory.getThreadMXBean().getThreadCount();
			Map<String, Long> groups = Thread.getAllStackTraces()
				.keySet()
				.stream()
				.collect(Collectors.groupingBy((thread) -> thread.getName().replaceAll("\\d+", "#"), TreeMap::new,
						Collectors.counting()));
			Map<String, Integer> poolThreads = new TreeMap<>();
			POOLS.forEach((name) -> poolThreads.put(name, server.bridge().pool(name).threads()));
			String activeAndQueued = POOLS.stream().map((name) -> {
				BlockingPool pool = server.bridge().pool(name);
				return name + " " + pool.active() + ", " + pool.queued();
			}).collect(Collectors.joining("; "));
			for (int i = 0; i < REUSE_PROBE_CALLS; i++) {
				try {
					http.send(HttpRequest.newBuilder(server.uri("/api/legacy/" + i + "?delayMs=0"))
						.timeout(REQUEST_TIMEOUT)
						.build(), HttpResponse.BodyHandlers.discarding());
				}
				catch (IOException ex) {
					throw new IllegalStateException("The demo did not answer a sequential call after the load", ex);
				}
			}
			int afterProbe = server.bridge().pool("default").threads();
			return new Snapshot(heapMib, threads, groups, poolThreads, afterProbe, activeAndQueued);
		}

		String threadGroupsChangedIn(Snapshot later) {
			TreeSet<String> names = new TreeSet<>(this.threadGroups.keySet());
			names.addAll(later.threadGroups.keySet());
			return names.stream()
				.filter((name) -> !this.threadGroups.getOrDefault(name, 0L)
					.equals(later.threadGroups.getOrDefault(name, 0L)))
				.map((name) -> name + ": " + this.threadGroups.getOrDefault(name, 0L) + " -> "
						+ later.threadGroups.getOrDefault(name, 0L))
				.collect(Collectors.joining(", "));
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "heap %.1f MiB, %d threads, pool threads %s, %s", this.heapMib,
					this.threads, this.poolThreads, this.activeAndQueued);
		}

	}

}
