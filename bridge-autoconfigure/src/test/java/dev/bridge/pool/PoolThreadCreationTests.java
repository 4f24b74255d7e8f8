package dev.bridge.pool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.ClosingBridges;
import dev.bridge.PublicFailures;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where pool threads are created: never on an event loop, which hands the creation to the
 * starter thread, with the same growth (a new thread before anything queues, up to the
 * maximum) and the same bound as a caller that creates them itself.
 */
class PoolThreadCreationTests {

	@RegisterExtension
	final ClosingBridges pools = new ClosingBridges();

	private final List<Thread> creators = new CopyOnWriteArrayList<>();

	private final CountDownLatch gate = this.pools.gate();

	private final BlockingPool pool = this.pools.add(new BlockingPool(ClosingBridges.small("creation", 4, 2),
			PublicFailures.get(), this::recordingCreators));

	private ThreadFactory recordingCreators(ThreadFactory factory) {
		return (task) -> {
			Thread thread = factory.newThread(task);
			if (thread != null) {
				this.creators.add(Thread.currentThread());
			}
			return thread;
		};
	}

	@Test
	void tasksFromAParallelSchedulerThreadGrowThePoolWithoutCreatingAThreadOnIt() throws Exception {
		assertGrowthAndBound(Schedulers.parallel()::schedule);
	}

	@Test
	void tasksFromAReactorNettyEventLoopGrowThePoolWithoutCreatingAThreadOnIt() throws Exception {
		LoopResources loops = LoopResources.create("creation-test", 1, true);
		try {
			assertGrowthAndBound((task) -> loops.onServer(false).next().execute(task));
		}
		finally {
			loops.disposeLater().block(Duration.ofSeconds(5));
		}
	}

	private void assertGrowthAndBound(Loop loop) throws Exception {
		CountDownLatch started = new CountDownLatch(4);
		for (int i = 0; i < 4; i++) {
			assertThat(onLoop(loop, () -> this.pool.execute(() -> {
				started.countDown();
				awaitQuietly(this.gate);
			}, null))).isNotNull();
			assertThat(this.pool.queued()).as("queued after task %d", i + 1).isZero();
		}
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(this.pool.threads()).isEqualTo(4);
		assertThat(this.creators).hasSize(4)
			.allSatisfy((creator) -> assertThat(creator).isNotInstanceOf(NonBlocking.class)
				.extracting(Thread::getName)
				.isEqualTo("bridge-pool-starter"));
		for (int i = 0; i < 2; i++) {
			onLoop(loop, () -> this.pool.execute(() -> {
			}, null));
		}
		assertThat(this.pool.queued()).isEqualTo(2);
		Throwable refused = onLoop(loop, () -> {
			try {
				this.pool.execute(() -> {
				}, null);
				return null;
			}
			catch (BlockingPoolSaturatedException ex) {
				return ex;
			}
		});
		assertThat(refused).isInstanceOf(BlockingPoolSaturatedException.class).hasMessageContaining("saturated");
		assertThat(this.pool.rejectedCount()).isEqualTo(1);
		assertThat(this.pool.threads()).isEqualTo(4);
		assertThat(this.creators).hasSize(4);
	}

	@Test
	void aCallerThatIsNotAnEventLoopStartsTheThreadItself() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		this.pool.execute(started::countDown, null);
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.creators).containsExactly(Thread.currentThread());
	}

	@Test
	void tasksFromAnEventLoopCancelledWhileTheirThreadsStartAreCountedOnceAndGiveTheirThreadsBack()
			throws Exception {
		// Cancelled at once: each task was still waiting for its thread (it never runs) or had
		// just started (it is interrupted); either way it counts once and finishes nothing.
		List<reactor.core.Disposable> handles = new CopyOnWriteArrayList<>();
		List<Integer> finished = new CopyOnWriteArrayList<>();
		onLoop(Schedulers.parallel()::schedule, () -> {
			for (int i = 0; i < 4; i++) {
				int index = i;
				handles.add(this.pool.execute(() -> {
					awaitQuietly(this.gate);
					if (!Thread.currentThread().isInterrupted()) {
						finished.add(index);
					}
				}, null));
			}
			handles.forEach(reactor.core.Disposable::dispose);
			return null;
		});
		assertThat(this.pool.cancelledCount()).isEqualTo(4);
		// No reserved thread is lost: once the cancelled tasks settle, the pool counts the
		// threads it has, and still grows to its maximum.
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.pool.active() == 0 && this.pool.countedThreads() == this.pool.threads());
		CountDownLatch hold = new CountDownLatch(1);
		for (int i = 0; i < 4; i++) {
			CountDownLatch started = new CountDownLatch(1);
			this.pool.execute(() -> {
				started.countDown();
				awaitQuietly(hold);
			}, null);
			assertThat(started.await(10, TimeUnit.SECONDS)).as("task %d started on %s", i + 1, this.pool).isTrue();
		}
		assertThat(this.pool.threads()).isEqualTo(4);
		hold.countDown();
		assertThat(finished).isEmpty();
	}

	private static <T> T onLoop(Loop loop, Callable<T> action) {
		return Mono.<T>create((sink) -> loop.run(() -> {
			try {
				sink.success(action.call());
			}
			catch (Throwable ex) {
				sink.error(ex);
			}
		})).block(Duration.ofSeconds(10));
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@FunctionalInterface
	private interface Loop {

		void run(Runnable task);

	}

}
