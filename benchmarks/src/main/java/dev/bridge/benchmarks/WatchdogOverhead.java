package dev.bridge.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.bridge.eventloop.EventLoopWatchdog;

/**
 * What the event-loop watchdog costs: {@code /api/ping} throughput with
 * {@code bridge.eventloop.watchdog.enabled} off and on, in the same run, alternating the order
 * each round so that JIT and machine drift do not favour one side.
 * <p>
 * Run with {@code mvn -q install -DskipTests && mvn -q -pl benchmarks exec:exec@watchdog}.
 */
public final class WatchdogOverhead {

	static final String PROPERTY = "bridge.eventloop.watchdog.enabled";

	/** The most the watchdog may cost, in percent of {@code /api/ping} throughput. */
	static final double TARGET_PERCENT = 2;

	private WatchdogOverhead() {
	}

	public static void main(String[] args) throws InterruptedException {
		BenchSettings settings = BenchSettings.fromSystemProperties();
		// Discarded rounds, one per configuration: the servers and the clients share this JVM's
		// JIT, and the rounds measured first would otherwise pay for compiling them (measured:
		// the first round after a single discarded one ran at half the speed of the others).
		System.out.println("discarded warm-up rounds:");
		run(false, settings);
		run(true, settings);
		List<Round> rounds = new ArrayList<>();
		for (int round = 0; round < settings.rounds(); round++) {
			boolean first = round % 2 == 1;
			rounds.add(run(first, settings));
			rounds.add(run(!first, settings));
		}
		publish(settings, rounds);
	}

	private static Round run(boolean enabled, BenchSettings settings) throws InterruptedException {
		try (DemoServer server = DemoServer.start(Map.of(PROPERTY, Boolean.toString(enabled)))) {
			// The watchdog bean, not EventLoopMonitor: with the watchdog off the application
			// still has a monitor (without probes) for the Actuator endpoint.
			EventLoopWatchdog watchdog = server.bean(EventLoopWatchdog.class);
			System.out.printf(Locale.ROOT, "%s=%s (watchdog bean: %s): %d clients on /api/ping, "
					+ "warm-up %d s, measure %d s%n", PROPERTY, server.property(PROPERTY),
					(watchdog != null) ? "yes" : "no", settings.clients(), settings.warmupSeconds(),
					settings.phaseSeconds());
			try (ClosedLoopClients clients = new ClosedLoopClients("ping", settings.clients(),
					(n) -> server.uri("/api/ping"))) {
				TimeUnit.SECONDS.sleep(settings.warmupSeconds());
				long roundsBefore = (watchdog != null) ? watchdog.rounds() : 0;
				clients.startMeasuring();
				long start = System.nanoTime();
				TimeUnit.SECONDS.sleep(settings.phaseSeconds());
				LatencyRecorder.Summary summary = clients.stopMeasuring();
				double seconds = (System.nanoTime() - start) / 1e9;
				long probeRounds = (watchdog != null) ? watchdog.rounds() - roundsBefore : 0;
				return new Round(enabled, watchdog != null, summary, seconds, probeRounds / seconds);
			}
		}
	}

	private static void publish(BenchSettings settings, List<Round> rounds) {
		ResultTable table = new ResultTable("watchdog", "watchdog bean", "probe rounds/s", "rounds",
				"req/s per round", "median req/s", "median p50 ms", "median p99 ms", "errors");
		double[] means = new double[2];
		double[] spreads = new double[2];
		boolean anyWatchdog = false;
		for (boolean enabled : new boolean[] { false, true }) {
			List<Round> mine = rounds.stream().filter((round) -> round.enabled() == enabled).toList();
			StringBuilder perRound = new StringBuilder();
			long errors = 0;
			boolean watchdog = false;
			for (Round round : mine) {
				perRound.append((perRound.length() > 0) ? " / " : "").append(ResultTable.decimal(round.rate()));
				errors += round.summary().errors();
				watchdog |= round.watchdog();
			}
			// Medians: one round disturbed by something else on the machine must not decide.
			double rate = median(mine.stream().mapToDouble(Round::rate).toArray());
			double p50 = median(mine.stream().mapToDouble((round) -> round.summary().p50Nanos() / 1e6).toArray());
			double p99 = median(mine.stream().mapToDouble((round) -> round.summary().p99Nanos() / 1e6).toArray());
			anyWatchdog |= watchdog;
			means[enabled ? 1 : 0] = rate;
			double[] rates = mine.stream().mapToDouble(Round::rate).sorted().toArray();
			spreads[enabled ? 1 : 0] = 100 * (rates[rates.length - 1] - rates[0]) / 2 / rate;
			double probeRate = median(mine.stream().mapToDouble(Round::probeRoundsPerSecond).toArray());
			table.row(enabled ? "on" : "off", watchdog ? "yes" : "no", ResultTable.decimal(probeRate), mine.size(),
					perRound.toString(), rate, p50, p99, errors);
		}
		double overhead = 100 * (means[0] - means[1]) / means[0];
		double[] paired = pairedOverheads(rounds);
		double pairedMedian = median(paired);
		double[] pairedSorted = paired.clone();
		Arrays.sort(pairedSorted);
		double largestSpread = Math.max(spreads[0], spreads[1]);
		table.note(String.format(Locale.ROOT,
				"Overhead (off - on) / off, on median throughput: %.1f %% of /api/ping throughput. Paired per round "
						+ "(the off and on runs next to each other): median %.1f %%, from %.1f %% to %.1f %%. "
						+ "Round-to-round spread of one configuration, (max - min) / 2 / median: off +/-%.1f %%, on "
						+ "+/-%.1f %%; a difference smaller than that is noise. Target: under %.0f %%: %s. %d "
						+ "closed-loop clients, %d s warm-up and %d s measured per round, configurations alternated "
						+ "after two discarded rounds.",
				overhead, pairedMedian, pairedSorted[0], pairedSorted[pairedSorted.length - 1], spreads[0], spreads[1],
				TARGET_PERCENT,
				(overhead < TARGET_PERCENT && pairedMedian < TARGET_PERCENT)
						? ((largestSpread > TARGET_PERCENT)
								? "met on the medians, but the noise is larger than the target, so this run shows "
										+ "only that the cost is smaller than the noise"
								: "met")
						: ((Math.abs(overhead) <= largestSpread) ? "not shown, the difference is within the noise"
								: "MISSED"),
				settings.clients(), settings.warmupSeconds(), settings.phaseSeconds()));
		if (!anyWatchdog) {
			table.note("No EventLoopWatchdog bean in this build: the property binds but no watchdog runs, so both "
					+ "configurations execute the same code and the difference is noise.");
		}
		table.publish(settings.results(), "watchdog-overhead",
				"### Watchdog overhead: /api/ping throughput, " + PROPERTY + " off vs on\n\n" + ResultTable.machine()
						+ "\n");
	}

	/**
	 * Overhead of each round pair, in percent: the two runs of a pair are next to each other,
	 * so drift of the machine over the whole run cancels out.
	 */
	private static double[] pairedOverheads(List<Round> rounds) {
		double[] overheads = new double[rounds.size() / 2];
		for (int i = 0; i < overheads.length; i++) {
			Round first = rounds.get(2 * i);
			Round second = rounds.get(2 * i + 1);
			Round off = first.enabled() ? second : first;
			Round on = first.enabled() ? first : second;
			overheads[i] = 100 * (off.rate() - on.rate()) / off.rate();
		}
		return overheads;
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	private record Round(boolean enabled, boolean watchdog, LatencyRecorder.Summary summary, double seconds,
			double probeRoundsPerSecond) {

		double rate() {
			return this.summary.perSecond(this.seconds);
		}

	}

}
