package dev.bridge.benchmarks;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.bridge.benchmarks.jmh.BatchingBenchmark;
import dev.bridge.benchmarks.jmh.BlockingCallBenchmark;

/**
 * Runs the JMH benchmarks, prints one table with the ratios the project aims for, and writes
 * it under {@code benchmarks/results/}. Targets: a {@code @Blocking} call within 1.25x of the
 * hand-written {@code subscribeOn(Schedulers.boundedElastic())}; {@code spawnBatched} at least
 * 10x faster than one {@code spawn} per item.
 * <p>
 * Run with {@code mvn -q install -DskipTests && mvn -q -pl benchmarks exec:exec@jmh}.
 */
public final class JmhBenchmarks {

	static final double ASPECT_TARGET = 1.25;

	static final double BATCHING_TARGET = 10;

	private JmhBenchmarks() {
	}

	public static void main(String[] args) throws RunnerException {
		BenchSettings settings = BenchSettings.fromSystemProperties();
		Options options = new OptionsBuilder().include("\\." + BlockingCallBenchmark.class.getSimpleName() + "\\.")
			.include("\\." + BatchingBenchmark.class.getSimpleName() + "\\.")
			.shouldFailOnError(true)
			.build();
		Collection<RunResult> runs = new Runner(options).run();
		Map<String, Result<?>> scores = new LinkedHashMap<>();
		for (RunResult run : runs) {
			String benchmark = run.getParams().getBenchmark();
			scores.put(benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1),
					run.getPrimaryResult());
		}
		ResultTable table = new ResultTable("benchmark", "score", "error (99.9%)", "unit", "vs reference");
		String callReference = "BlockingCallBenchmark.handWrittenBoundedElastic";
		String batchReference = "BatchingBenchmark.spawnBatched";
		String bulkReference = "BlockingCallBenchmark.handWrittenBoundedElasticBulk";
		scores.forEach((name, result) -> {
			String reference = name.startsWith("BatchingBenchmark") ? batchReference
					: name.endsWith("Bulk") ? bulkReference : callReference;
			table.row(name, result.getScore(), result.getScoreError(), result.getScoreUnit(),
					String.format(Locale.ROOT, "%.2fx", result.getScore() / scores.get(reference).getScore()));
		});
		double aspect = ratio(scores, "BlockingCallBenchmark.blockingAspect", callReference);
		double aspectBulk = ratio(scores, "BlockingCallBenchmark.blockingAspectBulk", bulkReference);
		double aspectOwnCost = ratio(scores, "BlockingCallBenchmark.blockingAspect",
				"BlockingCallBenchmark.handWrittenBridgeScheduler");
		double aspectOwnCostBulk = ratio(scores, "BlockingCallBenchmark.blockingAspectBulk",
				"BlockingCallBenchmark.handWrittenBridgeSchedulerBulk");
		double observation = ratio(scores, "BlockingCallBenchmark.blockingAspectObserved",
				"BlockingCallBenchmark.blockingAspect");
		double observationBulk = ratio(scores, "BlockingCallBenchmark.blockingAspectObservedBulk",
				"BlockingCallBenchmark.blockingAspectBulk");
		double handObservationBulk = ratio(scores, "BlockingCallBenchmark.handWrittenBridgeSchedulerObservedBulk",
				"BlockingCallBenchmark.handWrittenBridgeSchedulerBulk");
		double batching = Math.min(ratio(scores, "BatchingBenchmark.spawnPerItemSequential", batchReference),
				ratio(scores, "BatchingBenchmark.spawnPerItemConcurrent", batchReference));
		boolean aspectMet = aspect <= ASPECT_TARGET && aspectBulk <= ASPECT_TARGET;
		table.note(String.format(Locale.ROOT,
				"Target: @Blocking within %.2fx of hand-written subscribeOn(boundedElastic): measured %.2fx one call "
						+ "at a time, %.2fx with %d in flight; %s.",
				ASPECT_TARGET, aspect, aspectBulk, BlockingCallBenchmark.BULK, aspectMet ? "met" : "MISSED"));
		table.note(String.format(Locale.ROOT,
				"The aspect's own cost, against the same hop written by hand on the same bridge pool: %.2fx one at a "
						+ "time, %.2fx in bulk. Timing every call into a meter registry (blockingAspectObserved, as "
						+ "with Actuator): %.2fx of blockingAspect one at a time, %.2fx of blockingAspectBulk in bulk.",
				aspectOwnCost, aspectOwnCostBulk, observation, observationBulk));
		table.note(String.format(Locale.ROOT,
				"The same observation written by hand on the hand-written hop (handWrittenBridgeSchedulerObservedBulk): "
						+ "%.2fx of handWrittenBridgeSchedulerBulk, and %.2fx of Bridge's observed call.",
				handObservationBulk, 1 / ratio(scores, "BlockingCallBenchmark.blockingAspectObservedBulk",
						"BlockingCallBenchmark.handWrittenBridgeSchedulerObservedBulk")));
		table.note(String.format(Locale.ROOT,
				"Target: spawnBatched at least %.0fx faster than one spawn per item (%d items, batches of %d; the "
						+ "faster per-item variant counts): measured %.1fx, %s.",
				BATCHING_TARGET, BatchingBenchmark.ITEMS, BatchingBenchmark.BATCH_SIZE, batching,
				(batching >= BATCHING_TARGET) ? "met" : "MISSED"));
		table.note("Average time per operation, one benchmark thread, 1 fork, 3 x 1 s warm-up, 10 x 1 s measured. "
				+ "Call benchmarks: one round trip (submit, run, wake the waiting thread); *Bulk: per call, with many in flight.");
		table.publish(settings.results(), "jmh", "### JMH: per-call cost and batching\n\n" + ResultTable.machine() + "\n");
	}

	private static double ratio(Map<String, Result<?>> scores, String name, String reference) {
		return scores.get(name).getScore() / scores.get(reference).getScore();
	}

}
