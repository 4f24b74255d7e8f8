package dev.bridge.pool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.ClosingBridges;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Scheduler.Worker;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the Reactor view of a pool ({@link PoolScheduler}): each worker is serial and
 * FIFO, workers run in parallel, and worker tasks keep the pool's bound and cancellation.
 */
class PoolSchedulerTests {

	@RegisterExtension
	final ClosingBridges pools = new ClosingBridges();

	private final BlockingPool pool = this.pools.pool(ClosingBridges.small("sched", 4, 4000));

	private final CountDownLatch gate = this.pools.gate();

	@Test
	void aWorkerRunsItsTasksOneAtATimeInTheOrderTheyWereScheduled() {
		Worker worker = this.pool.scheduler().createWorker();
		int tasks = 2_000;
		AtomicInteger running = new AtomicInteger();
		AtomicInteger mostAtOnce = new AtomicInteger();
		List<Integer> order = new CopyOnWriteArrayList<>();
		CountDownLatch done = new CountDownLatch(tasks);
		for (int i = 0; i < tasks; i++) {
			int index = i;
			worker.schedule(() -> {
				mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
				order.add(index);
				spin(20_000);
				running.decrementAndGet();
				done.countDown();
			});
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> done.getCount() == 0);
		assertThat(mostAtOnce).hasValue(1);
		assertThat(order).hasSize(tasks).isSorted();
		worker.dispose();
	}

	@Test
	void twoWorkersRunInParallel() throws Exception {
		Scheduler scheduler = this.pool.scheduler();
		Worker first = scheduler.createWorker();
		Worker second = scheduler.createWorker();
		CountDownLatch bothRunning = new CountDownLatch(2);
		AtomicBoolean sawEachOther = new AtomicBoolean(true);
		Runnable meet = () -> {
			bothRunning.countDown();
			try {
				if (!bothRunning.await(10, TimeUnit.SECONDS)) {
					sawEachOther.set(false);
				}
			}
			catch (InterruptedException ex) {
				sawEachOther.set(false);
			}
		};
		first.schedule(meet);
		second.schedule(meet);
		assertThat(bothRunning.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(sawEachOther).isTrue();
		first.dispose();
		second.dispose();
	}

	@Test
	void disposingAQueuedWorkerTaskRemovesItAndGivesBackItsPlace() throws Exception {
		BlockingPool one = this.pools.pool(ClosingBridges.small("one", 1, 10));
		Worker worker = one.scheduler().createWorker();
		occupy(worker);
		AtomicBoolean ran = new AtomicBoolean();
		Disposable queued = worker.schedule(() -> ran.set(true));
		assertThat(one.queued()).isEqualTo(1);
		queued.dispose();
		assertThat(queued.isDisposed()).isTrue();
		assertThat(one.queued()).isZero();
		assertThat(one.cancelledCount()).isEqualTo(1);
		CountDownLatch after = new CountDownLatch(1);
		worker.schedule(after::countDown);
		this.gate.countDown();
		assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(ran).isFalse();
		assertThat(one.cancelledCount()).isEqualTo(1);
		worker.dispose();
	}

	@Test
	void disposingARunningWorkerTaskInterruptsItAndTheNextTaskRunsUninterrupted() throws Exception {
		Worker worker = this.pool.scheduler().createWorker();
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		Disposable running = worker.schedule(() -> {
			started.countDown();
			try {
				new CountDownLatch(1).await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
		});
		AtomicBoolean nextSawInterrupt = new AtomicBoolean(true);
		CountDownLatch nextRan = new CountDownLatch(1);
		worker.schedule(() -> {
			nextSawInterrupt.set(Thread.currentThread().isInterrupted());
			nextRan.countDown();
		});
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		running.dispose();
		assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(nextRan.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(nextSawInterrupt).isFalse();
		assertThat(this.pool.cancelledCount()).isEqualTo(1);
		worker.dispose();
	}

	@Test
	void workerTasksCountAgainstThePoolBound() throws Exception {
		BlockingPool tiny = this.pools.pool(ClosingBridges.small("tiny", 1, 1));
		Worker worker = tiny.scheduler().createWorker();
		occupy(worker);
		tiny.scheduler().schedule(() -> {
		});
		assertThat(tiny.queued()).isEqualTo(1);
		assertThatExceptionOfType(BlockingPoolSaturatedException.class).isThrownBy(() -> worker.schedule(() -> {
		}));
		assertThat(tiny.rejectedCount()).isEqualTo(1);
	}

	@Test
	void subscribeOnTheSchedulerDeliversEveryItemInOrder() {
		StepVerifier.create(Flux.range(0, 1000).subscribeOn(this.pool.scheduler()).limitRate(7))
			.expectNextSequence(Flux.range(0, 1000).toIterable())
			.verifyComplete();
	}

	private static void spin(long nanos) {
		long end = System.nanoTime() + nanos;
		while (System.nanoTime() - end < 0) {
			Thread.onSpinWait();
		}
	}

	/**
	 * Schedules on the worker a task that holds its pool's only thread until the test ends.
	 */
	private void occupy(Worker worker) throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		worker.schedule(() -> {
			started.countDown();
			awaitQuietly(this.gate);
		});
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
