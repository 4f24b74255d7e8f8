package dev.bridge.benchmarks.jmh;

import java.util.concurrent.TimeUnit;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.context.ConfigurableApplicationContext;

import dev.bridge.BlockingBridge;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Cost of an offloaded call: a {@code @Blocking} {@code Mono} method through a real Spring
 * proxy, against the same hop written by hand with {@code Mono.fromCallable(..).subscribeOn(..)},
 * and against a direct call. Measured two ways: one call at a time, waited for from the
 * benchmark thread (a round trip, dominated by waking threads), and {@value #BULK} calls in
 * flight at once (the CPU cost per call, with few threads parking).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class BlockingCallBenchmark {

	/**
	 * Calls per operation in the bulk benchmarks.
	 */
	public static final int BULK = 1000;

	private ConfigurableApplicationContext plain;

	private ConfigurableApplicationContext observed;

	private Work work;

	private Work observedWork;

	private BlockingBridge bridge;

	private ObservationRegistry observations;

	private int input;

	@Setup
	public void start() {
		this.plain = BenchContext.start(false);
		this.observed = BenchContext.start(true);
		this.work = this.plain.getBean(Work.class);
		this.observedWork = this.observed.getBean(Work.class);
		this.bridge = this.plain.getBean(BlockingBridge.class);
		this.observations = this.observed.getBean(ObservationRegistry.class);
	}

	@TearDown
	public void stop() {
		this.plain.close();
		this.observed.close();
	}

	@Benchmark
	public int direct() {
		return this.work.compute(this.input++);
	}

	@Benchmark
	public Integer handWrittenBoundedElastic() {
		int x = this.input++;
		return Mono.fromCallable(() -> this.work.compute(x)).subscribeOn(Schedulers.boundedElastic()).block();
	}

	@Benchmark
	public Integer handWrittenBridgeScheduler() {
		int x = this.input++;
		return Mono.fromCallable(() -> this.work.compute(x)).subscribeOn(this.bridge.scheduler("default")).block();
	}

	@Benchmark
	public Integer blockingAspect() {
		return this.work.computeBlocking(this.input++).block();
	}

	@Benchmark
	public Integer blockingAspectObserved() {
		return this.observedWork.computeBlocking(this.input++).block();
	}

	@Benchmark
	@OperationsPerInvocation(BULK)
	public Integer handWrittenBoundedElasticBulk() {
		return Flux.range(this.input++, BULK)
			.flatMap((x) -> Mono.fromCallable(() -> this.work.compute(x)).subscribeOn(Schedulers.boundedElastic()))
			.reduce(0, Integer::sum)
			.block();
	}

	@Benchmark
	@OperationsPerInvocation(BULK)
	public Integer handWrittenBridgeSchedulerBulk() {
		return Flux.range(this.input++, BULK)
			.flatMap((x) -> Mono.fromCallable(() -> this.work.compute(x)).subscribeOn(this.bridge.scheduler("default")))
			.reduce(0, Integer::sum)
			.block();
	}

	/**
	 * The hand-written hop with the same observation by hand (name, two tags, the same meter
	 * handler and registry as {@link #blockingAspectObservedBulk}): what observing a call
	 * costs whoever makes it.
	 * @return the sum
	 */
	@Benchmark
	@OperationsPerInvocation(BULK)
	public Integer handWrittenBridgeSchedulerObservedBulk() {
		return Flux.range(this.input++, BULK)
			.flatMap((x) -> Mono.fromCallable(() -> Observation.createNotStarted("hand.blocking", this.observations)
				.lowCardinalityKeyValue("pool", "default")
				.lowCardinalityKeyValue("method", "Work.compute")
				.observe(() -> this.work.compute(x))).subscribeOn(this.bridge.scheduler("default")))
			.reduce(0, Integer::sum)
			.block();
	}

	@Benchmark
	@OperationsPerInvocation(BULK)
	public Integer blockingAspectBulk() {
		return Flux.range(this.input++, BULK).flatMap(this.work::computeBlocking).reduce(0, Integer::sum).block();
	}

	@Benchmark
	@OperationsPerInvocation(BULK)
	public Integer blockingAspectObservedBulk() {
		return Flux.range(this.input++, BULK)
			.flatMap(this.observedWork::computeBlocking)
			.reduce(0, Integer::sum)
			.block();
	}

	@Benchmark
	public Integer spawn() {
		int x = this.input++;
		return this.bridge.spawn(() -> this.work.compute(x)).block();
	}

}
