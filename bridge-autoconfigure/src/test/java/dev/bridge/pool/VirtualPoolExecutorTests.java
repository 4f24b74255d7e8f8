package dev.bridge.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.bridge.PublicFailures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link VirtualPoolExecutor}: the bound on running and queued tasks, the refusal
 * past it, the hand-over of a place to a queued task, removal, shutdown, the figures meter
 * binders read, and races between submitting, removing and completing tasks. On Java 21+ the
 * threads are the pool's virtual threads; on Java 17, which has none, platform threads run the
 * same logic.
 */
class VirtualPoolExecutorTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final List<VirtualPoolExecutor> executors = new ArrayList<>();

	private final CountDownLatch gate = new CountDownLatch(1);

	private final AtomicInteger refusals = new AtomicInteger();

	private final RejectedExecutionHandler refuse = (task, executor) -> {
		this.refusals.incrementAndGet();
		throw new RejectedExecutionException("refused");
	};

	@AfterEach
	void shutDown() throws InterruptedException {
		this.gate.countDown();
		for (VirtualPoolExecutor executor : this.executors) {
			executor.shutdownNow();
			assertThat(executor.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).as("%s terminated", executor)
				.isTrue();
		}
	}

	private VirtualPoolExecutor executor(int maxThreads, int queueCapacity) {
		VirtualPoolExecutor executor = new VirtualPoolExecutor(maxThreads, queueCapacity, threads(), this.refuse);
		this.executors.add(executor);
		return executor;
	}

	private static ThreadFactory threads() {
		if (Runtime.version().feature() >= PoolThreadFactory.VIRTUAL_THREADS_MIN_JAVA) {
			return PoolThreadFactory.virtual("vpe", PublicFailures.get());
		}
		return (task) -> {
			Thread thread = new Thread(task, "vpe-platform");
			thread.setDaemon(true);
			return thread;
		};
	}

	@Test
	void runsExactlyMaxThreadsTasksAtOnceQueuesExactlyTheCapacityAndRefusesTheNext() throws Exception {
		VirtualPoolExecutor executor = executor(3, 2);
		Concurrency concurrency = new Concurrency();
		CountDownLatch threeStarted = new CountDownLatch(3);
		for (int i = 0; i < 5; i++) {
			executor.execute(concurrency.task(() -> {
				threeStarted.countDown();
				awaitQuietly(this.gate);
			}));
		}
		assertThat(threeStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(this.refusals).hasValue(0);
		assertThat(executor.getActiveCount()).isEqualTo(3);
		assertThat(executor.getPoolSize()).isEqualTo(3);
		assertThat(executor.getQueue()).hasSize(2);
		assertThat(executor.getQueue().remainingCapacity()).isZero();
		assertThat(concurrency.started).hasValue(3);
		AtomicInteger refusedRan = new AtomicInteger();
		assertThatExceptionOfType(RejectedExecutionException.class)
			.isThrownBy(() -> executor.execute(refusedRan::incrementAndGet));
		assertThat(this.refusals).hasValue(1);
		assertThat(executor.getQueue()).hasSize(2);
		this.gate.countDown();
		await().atMost(WAIT).until(() -> executor.getCompletedTaskCount() == 5);
		assertThat(concurrency.most).hasValue(3);
		assertThat(refusedRan).hasValue(0);
		await().atMost(WAIT).until(() -> executor.getPoolSize() == 0);
		assertThat(executor.getLargestPoolSize()).isEqualTo(3);
	}

	@Test
	void withoutAQueueATaskThatFindsNoFreePlaceIsRefused() throws Exception {
		VirtualPoolExecutor executor = executor(1, 0);
		CountDownLatch started = new CountDownLatch(1);
		executor.execute(() -> {
			started.countDown();
			awaitQuietly(this.gate);
		});
		assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> executor.execute(() -> {
		}));
		assertThat(this.refusals).hasValue(1);
	}

	@Test
	void aQueuedTaskTakesThePlaceOfAnEndedTaskOnANewThread() throws Exception {
		VirtualPoolExecutor executor = executor(1, 1);
		List<Thread> ranOn = new CopyOnWriteArrayList<>();
		CountDownLatch firstStarted = new CountDownLatch(1);
		executor.execute(() -> {
			ranOn.add(Thread.currentThread());
			firstStarted.countDown();
			awaitQuietly(this.gate);
		});
		assertThat(firstStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		CountDownLatch secondRan = new CountDownLatch(1);
		executor.execute(() -> {
			ranOn.add(Thread.currentThread());
			secondRan.countDown();
		});
		assertThat(executor.getQueue()).hasSize(1);
		this.gate.countDown();
		assertThat(secondRan.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(ranOn).hasSize(2).doesNotHaveDuplicates();
	}

	@Test
	void aRemovedQueuedTaskNeverRunsAndFreesItsPlaceInTheQueue() throws Exception {
		VirtualPoolExecutor executor = executor(1, 1);
		CountDownLatch started = new CountDownLatch(1);
		executor.execute(() -> {
			started.countDown();
			awaitQuietly(this.gate);
		});
		assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		AtomicInteger removedRan = new AtomicInteger();
		Runnable removed = removedRan::incrementAndGet;
		executor.execute(removed);
		assertThat(executor.remove(removed)).isTrue();
		assertThat(executor.remove(removed)).isFalse();
		assertThat(executor.getQueue()).isEmpty();
		CountDownLatch nextRan = new CountDownLatch(1);
		executor.execute(nextRan::countDown);
		assertThat(this.refusals).hasValue(0);
		this.gate.countDown();
		assertThat(nextRan.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		await().atMost(WAIT).until(() -> executor.getCompletedTaskCount() == 2);
		assertThat(removedRan).hasValue(0);
	}

	@Test
	void shutdownRefusesNewTasksAndDrainsRunningAndQueuedOnesBeforeItTerminates() throws Exception {
		VirtualPoolExecutor executor = executor(2, 3);
		CountDownLatch twoStarted = new CountDownLatch(2);
		AtomicInteger ran = new AtomicInteger();
		for (int i = 0; i < 5; i++) {
			executor.execute(() -> {
				twoStarted.countDown();
				awaitQuietly(this.gate);
				ran.incrementAndGet();
			});
		}
		assertThat(twoStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		executor.shutdown();
		assertThat(executor.isShutdown()).isTrue();
		assertThat(executor.isTerminated()).isFalse();
		assertThat(executor.isTerminating()).isTrue();
		assertThat(executor.awaitTermination(0, TimeUnit.SECONDS)).isFalse();
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> executor.execute(() -> {
		}));
		assertThat(executor.getQueue()).hasSize(3);
		this.gate.countDown();
		assertThat(executor.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(executor.isTerminated()).isTrue();
		assertThat(ran).hasValue(5);
		assertThat(executor.getCompletedTaskCount()).isEqualTo(5);
	}

	@Test
	void anIdleExecutorTerminatesAtShutdownAtOnce() throws Exception {
		VirtualPoolExecutor executor = executor(2, 3);
		assertThat(executor.isTerminated()).isFalse();
		executor.shutdown();
		assertThat(executor.awaitTermination(0, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void shutdownNowReturnsTheQueuedTasksAndInterruptsTheRunningOnes() throws Exception {
		VirtualPoolExecutor executor = executor(1, 2);
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		executor.execute(() -> {
			started.countDown();
			try {
				new CountDownLatch(1).await(WAIT.toSeconds(), TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
		});
		assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		Runnable first = () -> {
		};
		Runnable second = () -> {
		};
		executor.execute(first);
		executor.execute(second);
		assertThat(executor.shutdownNow()).containsExactly(first, second);
		assertThat(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(executor.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(executor.getCompletedTaskCount()).isEqualTo(1);
	}

	@Test
	void meterBindersReadItsRunningQueuedAndCompletedTasksAndItsThreads() throws Exception {
		VirtualPoolExecutor executor = executor(2, 5);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new ExecutorServiceMetrics(executor, "vpe", List.of()).bindTo(registry);
		CountDownLatch twoStarted = new CountDownLatch(2);
		for (int i = 0; i < 3; i++) {
			executor.execute(() -> {
				twoStarted.countDown();
				awaitQuietly(this.gate);
			});
		}
		assertThat(twoStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(gauge(registry, "executor.active")).isEqualTo(2);
		assertThat(gauge(registry, "executor.queued")).isEqualTo(1);
		assertThat(gauge(registry, "executor.queue.remaining")).isEqualTo(4);
		assertThat(gauge(registry, "executor.pool.size")).isEqualTo(2);
		assertThat(gauge(registry, "executor.pool.max")).isEqualTo(2);
		assertThat(registry.get("executor.completed").functionCounter().count()).isZero();
		this.gate.countDown();
		await().atMost(WAIT).until(() -> registry.get("executor.completed").functionCounter().count() == 3);
		await().atMost(WAIT).until(() -> gauge(registry, "executor.pool.size") == 0);
		assertThat(gauge(registry, "executor.active")).isZero();
		assertThat(gauge(registry, "executor.queued")).isZero();
	}

	@Test
	void itsBoundCannotBeChangedBehindThePoolsSettings() {
		VirtualPoolExecutor executor = executor(2, 5);
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> executor.setMaximumPoolSize(10))
			.withMessage("The threads of a virtual-thread pool are bounded by its max-threads setting; "
					+ "set bridge.pools.<name>.max-threads instead");
		assertThat(executor.getMaximumPoolSize()).isEqualTo(2);
	}

	@Test
	void tenThousandTasksSubmittedFromSeveralThreadsAllRunOnceWithinTheBound() {
		// A small bound and tiny tasks: places are given back and taken again all the time, so
		// a task queued just as the last running task ends is the common case, not a rare one.
		VirtualPoolExecutor executor = executor(2, 10_000);
		Concurrency concurrency = new Concurrency();
		Set<Integer> ran = ConcurrentHashMap.newKeySet();
		AtomicInteger ranTwice = new AtomicInteger();
		List<CompletableFuture<Void>> submitters = new ArrayList<>();
		for (int s = 0; s < 4; s++) {
			int first = s * 2_500;
			submitters.add(CompletableFuture.runAsync(() -> {
				for (int i = first; i < first + 2_500; i++) {
					int id = i;
					executor.execute(concurrency.task(() -> {
						if (!ran.add(id)) {
							ranTwice.incrementAndGet();
						}
					}));
				}
			}, newThread()));
		}
		CompletableFuture.allOf(submitters.toArray(new CompletableFuture[0])).join();
		await().atMost(WAIT)
			.until(() -> executor.getCompletedTaskCount() == 10_000 && executor.getPoolSize() == 0);
		assertThat(ran).hasSize(10_000);
		assertThat(ranTwice).hasValue(0);
		assertThat(concurrency.most.get()).isBetween(1, 2);
		assertThat(executor.getQueue()).isEmpty();
		assertThat(this.refusals).hasValue(0);
	}

	@Test
	void tenThousandRacingSubmitsRemovalsAndCompletionsLoseNoTaskAndKeepTheBound() {
		VirtualPoolExecutor executor = executor(4, 16);
		Concurrency concurrency = new Concurrency();
		AtomicInteger accepted = new AtomicInteger();
		AtomicInteger removed = new AtomicInteger();
		AtomicInteger refused = new AtomicInteger();
		AtomicInteger ran = new AtomicInteger();
		List<CompletableFuture<Void>> submitters = new ArrayList<>();
		for (int s = 0; s < 4; s++) {
			submitters.add(CompletableFuture.runAsync(() -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				for (int i = 0; i < 2_500; i++) {
					Runnable task = concurrency.task(() -> {
						ran.incrementAndGet();
						if (random.nextInt(8) == 0) {
							Thread.yield();
						}
					});
					try {
						executor.execute(task);
						accepted.incrementAndGet();
					}
					catch (RejectedExecutionException ex) {
						refused.incrementAndGet();
						continue;
					}
					if (random.nextBoolean() && executor.remove(task)) {
						removed.incrementAndGet();
					}
				}
			}, newThread()));
		}
		CompletableFuture.allOf(submitters.toArray(new CompletableFuture[0])).join();
		assertThat(accepted.get() + refused.get()).isEqualTo(10_000);
		assertThat(refused.get()).isEqualTo(this.refusals.get());
		await().atMost(WAIT)
			.until(() -> ran.get() + removed.get() == accepted.get() && executor.getPoolSize() == 0
					&& executor.getActiveCount() == 0);
		assertThat(executor.getCompletedTaskCount()).isEqualTo(ran.get());
		assertThat(executor.getQueue()).isEmpty();
		assertThat(executor.getQueue().remainingCapacity()).isEqualTo(16);
		assertThat(concurrency.most.get()).isBetween(1, 4);
		assertThat(executor.getLargestPoolSize()).isBetween(1, 4);
	}

	private static double gauge(SimpleMeterRegistry registry, String name) {
		return registry.get(name).tags("name", "vpe").gauge().value();
	}

	private static java.util.concurrent.Executor newThread() {
		return (task) -> new Thread(task, "vpe-submitter").start();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Counts the tasks running at once, and the most seen. */
	private static final class Concurrency {

		final AtomicInteger running = new AtomicInteger();

		final AtomicInteger most = new AtomicInteger();

		final AtomicInteger started = new AtomicInteger();

		Runnable task(Runnable body) {
			return () -> {
				this.started.incrementAndGet();
				this.most.accumulateAndGet(this.running.incrementAndGet(), Math::max);
				try {
					body.run();
				}
				finally {
					this.running.decrementAndGet();
				}
			};
		}

	}

}
