package dev.bridge.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.bridge.autoconfigure.BridgeProperties;
import dev.bridge.eventloop.EventLoopWatchdog;

/**
 * What the event-loop watchdog costs: {@code /api/ping} throughput with
 * {@code bridge.eventloop.watchdog.enabled} off and on, in the same run, alternating the order
 * each round so that JIT and machine drift do not favour one side.
 * <p>
 * With the watchdog off, a thread that wakes every watchdog interval and does nothing else
 * runs instead (unless {@code -Dbench.waker=false}): on a virtual machine a thread that wakes
 * every 50 ms keeps the CPUs from idling deeply, which by itself made {@code /api/ping} about
 * 20 % faster with the watchdog on. With the same wake-ups on both sides, what remains is the
 * cost of the probes.
 * <p>
 * Run with {@code mvn -q install -DskipTests && mvn -q -pl benchmarks exec:exec@watchdog}.
 */
public final class WatchdogOverhead {

	static final String PROPERTY = "bridge.eventloop.watchdog.enabled";

	/** The most the watchdog may cost, in percent of {@code /api/ping} throughput. */
	static final double TARGET_PERCENT = 2;

	/** How often the stand-in thread wakes: the watchdog's default interval. */
	static final Duration WAKE_INTERVAL = new BridgeProperties().getEventloop().getWatchdog().getInterval();

	private WatchdogOverhead() {
	}

	public static void main(String[] args) throws InterruptedException {
		BenchSettings settings = BenchSettings.fromSystemProperties();
		boolean waker = Boolean.parseBoolean(System.getProperty("bench.waker", "true"));
		// Discarded rounds, two per configuration: the servers and the clients share this JVM's
		// JIT, and the rounds measured first would otherwise pay for compiling them (measured:
		// the first round after a single discarded one ran at half the speed of the others, and
		// after one discarded pair the next round still ran 35 % slower, in three runs of three).
		System.out.println("discarded warm-up rounds:");
		for (int i = 0; i < 2; i++) {
			run(false, waker, settings);
			run(true, waker, settings);
		}
		List<Round> rounds = new ArrayList<>();
		for (int round = 0; round < settings.rounds(); round++) {
			boolean first = round % 2 == 1;
			rounds.add(run(first, waker, settings));
			rounds.add(run(!first, waker, settings));
		}
		publish(settings, waker, rounds);
	}

	private static Round run(boolean enabled, boolean waker, BenchSettings settings) throws InterruptedException {
		Thread standIn = (!enabled && waker) ? wakeEvery(WAKE_INTERVAL) : null;
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
		finally {
			if (standIn != null) {
				standIn.interrupt();
			}
		}
	}

	private static Thread wakeEvery(Duration interval) {
		Thread thread = new Thread(() -> {
			try {
				while (true) {
					Thread.sleep(interval.toMillis());
				}
			}
			catch (InterruptedException ex) {
				// the round is over
			}
		}, "bench-waker");
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	private static void publish(BenchSettings settings, boolean waker, List<Round> rounds) {
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
		double pairedMean = Arrays.stream(paired).average().orElse(0);
		double halfWidth = confidenceHalfWidth(paired);
		double[] pairedSorted = paired.clone();
		Arrays.sort(pairedSorted);
		String verdict;
		if (pairedMean + halfWidth < TARGET_PERCENT) {
			verdict = "met";
		}
		else if (pairedMean - halfWidth >= TARGET_PERCENT) {
			verdict = "MISSED";
		}
		else {
			verdict = String.format(Locale.ROOT,
					"not resolved: the interval reaches past %.0f %%, the noise of this machine is larger than the "
							+ "effect",
					TARGET_PERCENT);
		}
		table.note(String.format(Locale.ROOT,
				"Overhead (off - on) / off of /api/ping throughput: %.1f %% on the medians of the two columns. Paired "
						+ "per round (the off and on runs next to each other): median %.1f %%, mean %.1f %% +/- %.1f %% "
						+ "(95 %% confidence, t distribution, %d pairs), single pairs from %.1f %% to %.1f %%. Spread "
						+ "of one configuration, (max - min) / 2 / median: off +/-%.1f %%, on +/-%.1f %%. Target: "
						+ "under %.0f %%: %s. %d closed-loop clients, %d s warm-up and %d s measured per round, "
						+ "configurations alternated after four discarded rounds.",
				overhead, pairedMedian, pairedMean, halfWidth, paired.length, pairedSorted[0],
				pairedSorted[pairedSorted.length - 1], spreads[0], spreads[1], TARGET_PERCENT, verdict,
				settings.clients(), settings.warmupSeconds(), settings.phaseSeconds()));
		table.note(waker
				? String.format(Locale.ROOT, "With the watchdog off, a thread waking every %d ms (the watchdog's "
						+ "interval) and doing nothing ran instead, so both sides wake the CPUs as often; "
						+ "-Dbench.waker=false leaves it out.", WAKE_INTERVAL.toMillis())
				: "With the watchdog off nothing else woke every interval (-Dbench.waker=false): the difference "
						+ "includes the effect of the watchdog thread's wake-ups on idle CPUs.");
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

	/**
	 * Half width of the 95 % confidence interval of the mean of the values: Student's t
	 * quantile for their count times their standard error.
	 */
	private static double confidenceHalfWidth(double[] values) {
		int n = values.length;
		if (n < 2) {
			return Double.POSITIVE_INFINITY;
		}
		double mean = Arrays.stream(values).average().orElse(0);
		double variance = Arrays.stream(values).map((value) -> (value - mean) * (value - mean)).sum() / (n - 1);
		// Two-sided 95 % quantiles of Student's t for 1 to 20 degrees of freedom; 2.0 beyond.
		double[] t = { 12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13,
				2.12, 2.11, 2.10, 2.09, 2.09 };
		double quantile = (n - 1 <= t.length) ? t[n - 2] : 2.0;
		return quantile * Math.sqrt(variance / n);
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
