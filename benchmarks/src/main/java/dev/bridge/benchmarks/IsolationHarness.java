package dev.bridge.benchmarks;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

import dev.bridge.eventloop.EventLoopWatchdog;
import reactor.netty.resources.LoopResources;

/**
 * Measures how well the demo keeps {@code /api/ping} fast while other routes are loaded:
 * blocking work offloaded with {@code @Blocking} ({@code /api/*}) against the same work on
 * the event loop ({@code /naive/*}). Starts the demo in this JVM on a loopback port, then runs
 * one phase per load, each with a fixed-rate ping probe, and prints one table.
 * <p>
 * Run with {@code mvn -q install -DskipTests && mvn -q -pl benchmarks exec:exec@isolation}.
 */
public final class IsolationHarness {

	private static final int LEGACY_DELAY_MS = 200;

	private static final int THUMBNAIL_SIZE = 128;

	private static final int BULKHEAD_LEGACY_CLIENTS = 16;

	private IsolationHarness() {
	}

	public static void main(String[] args) throws InterruptedException {
		// Before any java.awt class loads: thumbnails draw without a display.
		System.setProperty("java.awt.headless", "true");
		BenchSettings settings = BenchSettings.fromSystemProperties();
		int clients = settings.clients();
		List<Phase> phases = List.of(new Phase("idle", List.of()),
				new Phase("api-legacy", List.of(new Load("/api/legacy", clients, IsolationHarness::legacy))),
				new Phase("naive-legacy", List.of(new Load("/naive/legacy", clients, IsolationHarness::naiveLegacy))),
				new Phase("api-thumbnails",
						List.of(new Load("/api/thumbnails", clients, IsolationHarness::thumbnail))),
				new Phase("naive-thumbnails",
						List.of(new Load("/naive/thumbnails", clients, IsolationHarness::naiveThumbnail))),
				new Phase("bulkhead", List.of(new Load("/api/thumbnails", clients, IsolationHarness::thumbnail),
						new Load("/api/legacy", BULKHEAD_LEGACY_CLIENTS, IsolationHarness::legacy))));
		List<PhaseResult> results = new ArrayList<>();
		int maxThreads;
		int imageThreads;
		String watchdog;
		try (DemoServer server = DemoServer.start(Map.of())) {
			maxThreads = server.bridge().pool("default").settings().maxThreads();
			imageThreads = server.bridge().pool("images").settings().maxThreads();
			EventLoopWatchdog bean = server.bean(EventLoopWatchdog.class);
			watchdog = (bean != null) ? "watchdog probe every " + bean.getInterval().toMillis() + " ms, a stall past "
					+ bean.getThreshold().toMillis() + " ms" : "no watchdog running";
			warmUp(server, settings);
			for (Phase phase : phases) {
				results.add(run(server, phase, settings));
			}
		}
		publish(settings, results, maxThreads, imageThreads, watchdog);
	}

	private static String legacy(long n) {
		return "/api/legacy/" + n + "?delayMs=" + LEGACY_DELAY_MS;
	}

	private static String naiveLegacy(long n) {
		return "/naive/legacy/" + n + "?delayMs=" + LEGACY_DELAY_MS;
	}

	private static String thumbnail(long n) {
		return "/api/thumbnails/" + n + "?size=" + THUMBNAIL_SIZE;
	}

	private static String naiveThumbnail(long n) {
		return "/naive/thumbnails/" + n + "?size=" + THUMBNAIL_SIZE;
	}

	/**
	 * Compiles every route's code before the first measured phase, so that "idle" is not
	 * measured against a cold JIT.
	 */
	private static void warmUp(DemoServer server, BenchSettings settings) throws InterruptedException {
		int seconds = settings.warmupSeconds() * 2;
		System.out.printf(Locale.ROOT, "warm-up: every route, 8 clients, %d s%n", seconds);
		List<LongFunction<String>> routes = List.of((n) -> "/api/ping", IsolationHarness::thumbnail,
				(n) -> "/api/legacy/" + n + "?delayMs=0", (n) -> "/api/users/" + (n + 1),
				IsolationHarness::naiveThumbnail, (n) -> "/naive/legacy/" + n + "?delayMs=0");
		try (OpenLoopProbe probe = new OpenLoopProbe(server.uri("/api/ping"), settings.pingRate());
				ClosedLoopClients warm = new ClosedLoopClients("warm-up", 8,
						(n) -> server.uri(routes.get((int) (n % routes.size())).apply(n / routes.size())))) {
			TimeUnit.SECONDS.sleep(seconds);
		}
	}

	private static PhaseResult run(DemoServer server, Phase phase, BenchSettings settings)
			throws InterruptedException {
		System.out.printf(Locale.ROOT, "phase %-16s load %-44s warm-up %d s, measure %d s%n", phase.name(),
				phase.describe(), settings.warmupSeconds(), settings.phaseSeconds());
		List<ClosedLoopClients> loads = new ArrayList<>();
		OpenLoopProbe probe = new OpenLoopProbe(server.uri("/api/ping"), settings.pingRate());
		try {
			for (Load load : phase.loads()) {
				loads.add(new ClosedLoopClients(phase.name() + "-" + load.route(), load.clients(),
						(n) -> server.uri(load.target().apply(n))));
			}
			TimeUnit.SECONDS.sleep(settings.warmupSeconds());
			double stallsBefore = server.stallCount();
			loads.forEach(ClosedLoopClients::startMeasuring);
			probe.startMeasuring();
			long start = System.nanoTime();
			TimeUnit.SECONDS.sleep(settings.phaseSeconds());
			List<LatencyRecorder.Summary> loadResults = loads.stream().map(ClosedLoopClients::stopMeasuring).toList();
			double seconds = (System.nanoTime() - start) / 1e9;
			OpenLoopProbe.Result ping = probe.finish();
			double stallsAfter = server.stallCount();
			double stalls = (stallsBefore < 0 || stallsAfter < 0) ? -1 : stallsAfter - stallsBefore;
			reportErrors("ping", ping.latency());
			loadResults.forEach((load) -> reportErrors("load", load));
			return new PhaseResult(phase, seconds, loadResults, ping, stalls);
		}
		finally {
			probe.close();
			// Lets the clients finish their current request: the next phase starts on a quiet server.
			loads.forEach(ClosedLoopClients::close);
		}
	}

	private static void reportErrors(String what, LatencyRecorder.Summary summary) {
		if (summary.errors() > 0) {
			System.out.println("  " + what + " errors: " + summary.errorCauses());
		}
	}

	private static void publish(BenchSettings settings, List<PhaseResult> results, int maxThreads,
			int imageThreads, String watchdog) {
		ResultTable table = new ResultTable("phase", "load (route x clients)", "load req/s", "load p99 ms",
				"load errors", "ping p50 ms", "ping p99 ms", "ping max ms", "ping answered/s", "ping errors",
				"stalls");
		for (PhaseResult result : results) {
			LatencyRecorder.Summary ping = result.ping().latency();
			StringBuilder rate = new StringBuilder();
			StringBuilder p99 = new StringBuilder();
			long errors = 0;
			for (LatencyRecorder.Summary load : result.loads()) {
				String separator = (rate.length() > 0) ? " / " : "";
				rate.append(separator).append(ResultTable.decimal(load.perSecond(result.seconds())));
				p99.append(separator).append(ResultTable.millis(load.p99Nanos()));
				errors += load.errors();
			}
			table.row(result.phase().name(), result.phase().describe(), result.loads().isEmpty() ? "-" : rate,
					result.loads().isEmpty() ? "-" : p99, result.loads().isEmpty() ? "-" : errors,
					ResultTable.millis(ping.p50Nanos()), ResultTable.millis(ping.p99Nanos()),
					ResultTable.millis(ping.maxNanos()),
					ResultTable.decimal(result.ping().answeredInWindow() / result.seconds()), ping.errors(),
					(result.stalls() < 0) ? "n/a" : Long.toString(Math.round(result.stalls())));
		}
		table.note(String.format(Locale.ROOT,
				"Ping: open-loop probe at %d req/s on /api/ping, latency measured from each request's due "
						+ "time, failed pings (30 s timeouts, resets) included until they failed. "
						+ "Load: closed-loop clients (next request when the previous is answered); legacy delayMs=%d, "
						+ "thumbnail size=%d. Each phase: %d s warm-up, %d s measured. Bulkhead: /api/thumbnails x%d "
						+ "and /api/legacy x%d at once (values thumbnails / legacy). Pools: default %d threads, "
						+ "images %d threads. Stalls: bridge.eventloop.stalls episodes counted during the phase (%s; "
						+ "n/a: no watchdog meter in this build).",
				settings.pingRate(), LEGACY_DELAY_MS, THUMBNAIL_SIZE, settings.warmupSeconds(),
				settings.phaseSeconds(), settings.clients(), BULKHEAD_LEGACY_CLIENTS, maxThreads, imageThreads,
				watchdog));
		String header = "### Isolation: /api/ping under load\n\n" + ResultTable.machine() + "\n";
		table.publish(settings.results(), "isolation", header);
		legacyAgainstIdeal(settings, results, maxThreads).publish(settings.results(), "isolation-legacy",
				"### Legacy throughput against the ideal\n\n" + ResultTable.machine() + "\n");
	}

	private static ResultTable legacyAgainstIdeal(BenchSettings settings, List<PhaseResult> results, int maxThreads) {
		ResultTable table = new ResultTable("phase", "route", "clients", "delay ms", "threads that can wait",
				"bound req/s", "measured req/s", "% of bound");
		double delaySeconds = LEGACY_DELAY_MS / 1000.0;
		int loops = LoopResources.DEFAULT_IO_WORKER_COUNT;
		for (PhaseResult result : results) {
			for (int i = 0; i < result.phase().loads().size(); i++) {
				Load load = result.phase().loads().get(i);
				if (!load.route().endsWith("/legacy")) {
					continue;
				}
				boolean naive = load.route().startsWith("/naive");
				int waiters = naive ? loops : maxThreads;
				double bound = Math.min(load.clients(), waiters) / delaySeconds;
				double measured = result.loads().get(i).perSecond(result.seconds());
				table.row(result.phase().name(), load.route(), load.clients(), LEGACY_DELAY_MS,
						naive ? loops + " event loops" : maxThreads + " (pool default)", bound, measured,
						100 * measured / bound);
			}
		}
		table.note("Bound: min(clients, threads that can wait) / delay. For /api/legacy that is the ideal "
				+ "min(clients, max-threads) / delay; for /naive/legacy the waiting happens on the " + loops
				+ " Reactor Netty event loops, which caps the route and everything else they serve.");
		return table;
	}

	private record Load(String route, int clients, LongFunction<String> target) {

	}

	private record Phase(String name, List<Load> loads) {

		String describe() {
			if (this.loads.isEmpty()) {
				return "none";
			}
			StringBuilder description = new StringBuilder();
			for (Load load : this.loads) {
				description.append((description.length() > 0) ? " + " : "")
					.append(load.route())
					.append(" x")
					.append(load.clients());
			}
			return description.toString();
		}

	}

	private record PhaseResult(Phase phase, double seconds, List<LatencyRecorder.Summary> loads,
			OpenLoopProbe.Result ping, double stalls) {

	}

}
