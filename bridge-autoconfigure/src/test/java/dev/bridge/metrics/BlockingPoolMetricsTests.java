package dev.bridge.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.bridge.BlockingBridge;
import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.BridgeConfigurationException;
import dev.bridge.ClosingBridges;
import dev.bridge.pool.PoolSettings;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class BlockingPoolMetricsTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final CountDownLatch release = this.bridges.gate();

	private final List<Throwable> errors = new CopyOnWriteArrayList<>();

	private final BlockingBridge bridge = this.bridges.add(BlockingBridge.builder()
		.pool(PoolSettings.defaults(BlockingBridge.DEFAULT_POOL).withMaxThreads(1).withQueueCapacity(3))
		.pool(PoolSettings.defaults("io").withMaxThreads(4).withQueueCapacity(16))
		.awaitTermination(Duration.ofSeconds(5))
		.build());

	@Test
	void bindsMicrometersExecutorMetersToEachPoolsRawExecutor() {
		new BlockingPoolMetrics(this.bridge).bindTo(this.registry);
		assertThat(gauge("executor.pool.max", "bridge.default")).isEqualTo(1);
		assertThat(gauge("executor.pool.max", "bridge.io")).isEqualTo(4);
		assertThat(gauge("executor.queue.remaining", "bridge.default")).isEqualTo(3);
		assertThat(gauge("executor.queue.remaining", "bridge.io")).isEqualTo(16);
		for (String executor : List.of("bridge.default", "bridge.io")) {
			assertThat(gauge("executor.queued", executor)).isZero();
			assertThat(gauge("executor.active", executor)).isZero();
			assertThat(gauge("executor.pool.size", executor)).isZero();
			assertThat(this.registry.get("executor.completed").tags("name", executor).functionCounter().count())
				.isZero();
			assertThat(this.registry.get("executor").tags("name", executor).timer().count()).isZero();
			assertThat(this.registry.get("executor.idle").tags("name", executor).timer().count()).isZero();
		}
		assertThat(this.registry.get("bridge.pool.rejected").tags("pool", "io").functionCounter().getId().getBaseUnit())
			.isEqualTo("tasks");
		assertThat(this.registry.get("bridge.pool.cancelled").tags("pool", "io").functionCounter().getId().getBaseUnit())
			.isEqualTo("tasks");
	}

	@Test
	void executorMetersCarryOnlyTheNameTagLikeMicrometersOwnBinder() {
		new BlockingPoolMetrics(this.bridge).bindTo(this.registry);
		for (Meter meter : this.registry.getMeters()) {
			String name = meter.getId().getName();
			if (name.startsWith("executor")) {
				assertThat(meter.getId().getTags()).extracting("key").containsExactly("name");
			}
			else {
				assertThat(name).startsWith("bridge.pool.");
				assertThat(meter.getId().getTags()).extracting("key").containsExactly("pool");
			}
		}
	}

	@Test
	void queuedRisesWhileTasksWaitAndReturnsToZero() throws InterruptedException {
		new BlockingPoolMetrics(this.bridge).bindTo(this.registry);
		CountDownLatch running = new CountDownLatch(1);
		this.bridge.spawn(() -> {
			running.countDown();
			return this.release.await(10, TimeUnit.SECONDS);
		}).subscribe(null, this.errors::add);
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		for (int i = 0; i < 3; i++) {
			this.bridge.spawn(() -> "queued").subscribe(null, this.errors::add);
		}
		await().atMost(WAIT).until(() -> gauge("executor.queued", "bridge.default") == 3);
		assertThat(gauge("executor.queue.remaining", "bridge.default")).isZero();
		assertThat(gauge("executor.active", "bridge.default")).isEqualTo(1);
		this.release.countDown();
		await().atMost(WAIT).until(() -> gauge("executor.queued", "bridge.default") == 0);
		await().atMost(WAIT)
			.until(() -> this.registry.get("executor.completed")
				.tags("name", "bridge.default")
				.functionCounter()
				.count() == 4);
		assertThat(this.errors).isEmpty();
	}

	@Test
	void timesEachTasksQueueWaitAndRun() throws InterruptedException {
		new BlockingPoolMetrics(this.bridge).bindTo(this.registry);
		CountDownLatch running = new CountDownLatch(1);
		this.bridge.spawn(() -> {
			running.countDown();
			return this.release.await(10, TimeUnit.SECONDS);
		}).subscribe(null, this.errors::add);
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		this.bridge.spawn(() -> "queued").subscribe(null, this.errors::add);
		await().atMost(WAIT).until(() -> gauge("executor.queued", "bridge.default") == 1);
		this.release.countDown();
		Timer run = this.registry.get("executor").tags("name", "bridge.default").timer();
		Timer idle = this.registry.get("executor.idle").tags("name", "bridge.default").timer();
		await().atMost(WAIT).until(() -> run.count() == 2);
		assertThat(idle.count()).isEqualTo(2);
		// The queued task waited for the first one to finish, so a wait was measured.
		assertThat(idle.max(TimeUnit.NANOSECONDS)).isPositive();
		assertThat(this.registry.get("executor").tags("name", "bridge.io").timer().count()).isZero();
		assertThat(this.errors).isEmpty();
	}

	@Test
	void countsRejectedAndCancelledTasksPerPool() throws InterruptedException {
		new BlockingPoolMetrics(this.bridge).bindTo(this.registry);
		CountDownLatch running = new CountDownLatch(1);
		this.bridge.spawn(() -> {
			running.countDown();
			return this.release.await(10, TimeUnit.SECONDS);
		}).subscribe(null, this.errors::add);
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		Disposable queued = this.bridge.spawn(() -> "queued").subscribe(null, this.errors::add);
		this.bridge.spawn(() -> "queued").subscribe(null, this.errors::add);
		this.bridge.spawn(() -> "queued").subscribe(null, this.errors::add);
		this.bridge.spawn(() -> "refused").subscribe(null, this.errors::add);
		assertThat(this.errors).singleElement().isInstanceOf(BlockingPoolSaturatedException.class);
		queued.dispose();
		FunctionCounter rejected = this.registry.get("bridge.pool.rejected").tags("pool", "default").functionCounter();
		FunctionCounter cancelled = this.registry.get("bridge.pool.cancelled")
			.tags("pool", "default")
			.functionCounter();
		assertThat(rejected.count()).isEqualTo(1);
		assertThat(cancelled.count()).isEqualTo(1);
		assertThat(gauge("executor.queued", "bridge.default")).isEqualTo(2);
		assertThat(this.registry.get("bridge.pool.rejected").tags("pool", "io").functionCounter().count()).isZero();
	}

	@Test
	void stopRemovesEveryMeterItRegisteredAndNoOtherExecutors() {
		ThreadPoolExecutor other = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		try {
			new ExecutorServiceMetrics(other, "other", Tags.empty()).bindTo(this.registry);
			int othersMeters = this.registry.getMeters().size();
			BlockingPoolMetrics metrics = new BlockingPoolMetrics(this.bridge);
			metrics.bindTo(this.registry);
			metrics.start();
			assertThat(this.registry.getMeters()).hasSizeGreaterThan(othersMeters);
			metrics.stop();
			assertThat(metrics.isRunning()).isFalse();
			assertThat(this.registry.getMeters()).hasSize(othersMeters)
				.allSatisfy((meter) -> assertThat(meter.getId().getTag("name")).isEqualTo("other"));
		}
		finally {
			other.shutdownNow();
		}
	}

	@Test
	void stoppedBinderNoLongerTimesTasks() {
		BlockingPoolMetrics metrics = new BlockingPoolMetrics(this.bridge);
		metrics.bindTo(this.registry);
		Timer run = this.registry.get("executor").tags("name", "bridge.io").timer();
		metrics.stop();
		assertThat(this.bridge.spawn("io", () -> "done").block(WAIT)).isEqualTo("done");
		awaitCompleted("io", 1);
		assertThat(run.count()).isZero();
	}

	@Test
	void bindingTwiceToOneRegistryCountsEachTaskOnce() {
		BlockingPoolMetrics metrics = new BlockingPoolMetrics(this.bridge);
		metrics.bindTo(this.registry);
		metrics.bindTo(this.registry);
		assertThat(this.bridge.spawn("io", () -> "done").block(WAIT)).isEqualTo("done");
		awaitCompleted("io", 1);
		assertThat(this.registry.get("executor").tags("name", "bridge.io").timer().count()).isEqualTo(1);
		assertThat(this.registry.get("executor.idle").tags("name", "bridge.io").timer().count()).isEqualTo(1);
	}

	@Test
	void bindsToEachRegistryItIsGiven() {
		SimpleMeterRegistry second = new SimpleMeterRegistry();
		BlockingPoolMetrics metrics = new BlockingPoolMetrics(this.bridge);
		metrics.bindTo(this.registry);
		metrics.bindTo(second);
		assertThat(second.get("executor.queued").tags("name", "bridge.io").gauge().value()).isZero();
		metrics.stop();
		assertThat(this.registry.getMeters()).isEmpty();
		assertThat(second.getMeters()).isEmpty();
	}

	@Test
	void doesNotBindAClosedBridge() {
		this.bridge.close();
		new BlockingPoolMetrics(this.bridge).bindTo(this.registry);
		assertThat(this.registry.getMeters()).isEmpty();
	}

	@Test
	void stopsInThePhaseAfterTheBridge() {
		assertThat(new BlockingPoolMetrics(this.bridge).getPhase()).isLessThan(this.bridge.getPhase());
	}

	@Test
	void bindsAPoolOnVirtualThreadsLikeAnyOther() {
		PoolSettings settings = PoolSettings.defaults("virtual").withMaxThreads(3).withVirtualThreads(true);
		if (Runtime.version().feature() < 21) {
			// Java 17 has no virtual threads: such a pool never exists, so there is nothing to bind.
			assertThatExceptionOfType(BridgeConfigurationException.class)
				.isThrownBy(() -> BlockingBridge.builder().pool(settings).build());
			return;
		}
		BlockingBridge virtual = this.bridges.add(BlockingBridge.builder().pool(settings).build());
		new BlockingPoolMetrics(virtual).bindTo(this.registry);
		assertThat(virtual.spawn("virtual", () -> Thread.currentThread().getName()).block(WAIT))
			.startsWith("bridge-virtual-");
		assertThat(gauge("executor.pool.max", "bridge.virtual")).isEqualTo(3);
		await().atMost(WAIT)
			.until(() -> this.registry.get("executor").tags("name", "bridge.virtual").timer().count() == 1);
	}

	/**
	 * Waits until the pool's threads have left the given number of tasks: by then every
	 * listener has heard of them.
	 */
	private void awaitCompleted(String pool, long tasks) {
		await().atMost(WAIT).until(() -> this.bridge.pool(pool).executor().getCompletedTaskCount() == tasks);
	}

	private double gauge(String name, String executor) {
		return this.registry.get(name).tags("name", executor).gauge().value();
	}

}
