package dev.bridge.benchmarks.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.bridge.BlockingBridge;
import reactor.core.publisher.Flux;

/**
 * {@value #ITEMS} tiny blocking items: {@code spawnBatched} (one pool task per batch of
 * {@value #BATCH_SIZE}) against one {@code spawn} per item, sequential and concurrent.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class BatchingBenchmark {

	/**
	 * Items per operation.
	 */
	public static final int ITEMS = 10_000;

	/**
	 * Items per pool task in {@code spawnBatched}.
	 */
	public static final int BATCH_SIZE = 500;

	private BlockingBridge bridge;

	private final Work work = new Work();

	@Setup
	public void start() {
		this.bridge = BlockingBridge.builder().build();
	}

	@TearDown
	public void stop() {
		this.bridge.close();
	}

	@Benchmark
	public List<Integer> spawnBatched() {
		return this.bridge.spawnBatched(Flux.range(0, ITEMS), BATCH_SIZE, this::computeAll).collectList().block();
	}

	@Benchmark
	public List<Integer> spawnPerItemConcurrent() {
		return Flux.range(0, ITEMS)
			.flatMapSequential((i) -> this.bridge.spawn(() -> this.work.compute(i)))
			.collectList()
			.block();
	}

	@Benchmark
	public List<Integer> spawnPerItemSequential() {
		return Flux.range(0, ITEMS).concatMap((i) -> this.bridge.spawn(() -> this.work.compute(i))).collectList().block();
	}

	private List<Integer> computeAll(List<Integer> batch) {
		List<Integer> results = new ArrayList<>(batch.size());
		for (Integer item : batch) {
			results.add(this.work.compute(item));
		}
		return results;
	}

}
