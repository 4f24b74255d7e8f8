package dev.bridge.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.bridge.BlockingBridgeShutdownException;
import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.ClosingBridges;
import dev.bridge.PublicFailures;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task an event loop hands to the starter thread holds a reserved thread: the executor
 * must start that thread even while it tries, on another thread, to add a worker of its own
 * (one it counts for a moment before the pool's thread factory refuses it). Only a pool that
 * is shut down may abandon such a task, and only then does its caller hear of a shutdown.
 */
class PoolHandOverRaceTests {

	private static final int BURST_ROUNDS = 2_000;

	private static final int BURST = 6;

	@RegisterExtension
	final ClosingBridges closing = new ClosingBridges();

	@Test
	void aThreadReservedFromAnEventLoopStartsWhileTheExecutorCountsAWorkerItIsAboutToBeRefused() throws Exception {
		HeldStarter starter = holdTheStarterThread();
		// The pool under test: while a submitter thread is inside the executor's attempt to
		// add a worker of its own (counted, not yet refused), it is held there.
		AtomicReference<Thread> submitter = new AtomicReference<>();
		CountDownLatch attemptHeld = new CountDownLatch(1);
		CountDownLatch releaseAttempt = this.closing.gate();
		AtomicBoolean attemptHeldOnce = new AtomicBoolean();
		List<Thread> created = new CopyOnWriteArrayList<>();
		BlockingPool pool = pool("handover", 1, 1, (factory) -> (worker) -> {
			Thread thread = factory.newThread(worker);
			if (Thread.currentThread() == submitter.get() && attemptHeldOnce.compareAndSet(false, true)) {
				attemptHeld.countDown();
				awaitQuietly(releaseAttempt);
			}
			if (thread != null) {
				created.add(thread);
			}
			return thread;
		});

		// From a loop: the pool's one thread is reserved and the task handed to the starter.
		Outcome handedOver = new Outcome();
		onEventLoop(() -> handedOver.submit(pool));
		assertThat(pool.countedThreads()).isEqualTo(1);
		// From another thread: no thread left to reserve, so the task is queued (the queue is
		// now full), and the executor, counting no worker yet, tries to add one of its own.
		Outcome queued = new Outcome();
		Thread queuing = new Thread(() -> queued.submit(pool), "race-submitter");
		submitter.set(queuing);
		queuing.start();
		assertThat(attemptHeld.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(pool.queued()).isEqualTo(1);

		// The starter now starts the reserved thread while that attempt is still counted.
		starter.release().countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> handedOver.settled() || created.size() == 1);
		releaseAttempt.countDown();
		queuing.join(TimeUnit.SECONDS.toMillis(10));

		handedOver.assertRan();
		queued.assertRan();
		assertThat(starter.otherStarted().await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(pool.rejectedCount()).isZero();
		assertThat(pool.executor().getLargestPoolSize()).isEqualTo(1);
		assertThat(created).hasSize(1);
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0 && pool.queued() == 0);
		assertThat(pool.countedThreads()).isEqualTo(1);
	}

	@Test
	void aTaskHandedOverFromAnEventLoopToAPoolShutDownMeanwhileIsAbandonedAsShutDown() throws Exception {
		HeldStarter starter = holdTheStarterThread();
		BlockingPool pool = pool("closing", 1, 1, UnaryOperator.identity());
		Outcome handedOver = new Outcome();
		onEventLoop(() -> handedOver.submit(pool));

		// Shut down while the task waits for the starter (the drain waits for hand-overs
		// for up to a second, then the executor stops taking threads).
		Thread closing = new Thread(() -> pool.shutdown(Duration.ofMillis(50)), "race-closing");
		closing.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.executor().isShutdown());
		starter.release().countDown();
		closing.join(TimeUnit.SECONDS.toMillis(10));

		assertThat(handedOver.awaitSettled()).isTrue();
		assertThat(handedOver.ran).isFalse();
		assertThat(handedOver.refusal.get()).isInstanceOf(BlockingBridgeShutdownException.class);
		assertThat(pool.rejectedCount()).isEqualTo(1);
	}

	@Test
	void burstsFromEventLoopsAtThePoolsMaximumRunOrAreRefusedAsSaturatedAtOnce() throws Exception {
		// Threads retire after 1 ms, so that many bursts find the executor counting no worker,
		// where it tries to add one of its own for a queued task while the starter starts
		// the threads reserved for the first tasks of the burst.
		BlockingPool pool = this.closing
			.pool(ClosingBridges.small("bursts", 2, 2).withKeepAlive(Duration.ofMillis(1)));
		for (int round = 0; round < BURST_ROUNDS; round++) {
			List<Outcome> outcomes = new ArrayList<>();
			CountDownLatch submitted = new CountDownLatch(BURST);
			for (int i = 0; i < BURST; i++) {
				Outcome outcome = new Outcome();
				outcomes.add(outcome);
				Schedulers.parallel().schedule(() -> {
					outcome.submit(pool);
					submitted.countDown();
				});
			}
			assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
			for (Outcome outcome : outcomes) {
				assertThat(outcome.awaitSettled()).as("round %d: neither ran nor refused", round).isTrue();
				if (!outcome.ran) {
					assertThat(outcome.refusedAtSubmission).as("round %d: refused after it was accepted: %s", round,
							outcome.refusal.get())
						.isTrue();
					assertThat(outcome.refusal.get()).isInstanceOf(BlockingPoolSaturatedException.class);
				}
			}
			assertThat(outcomes).as("round %d", round).anyMatch((outcome) -> outcome.ran);
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0 && pool.queued() == 0);
		assertThat(pool.countedThreads()).isLessThanOrEqualTo(2);
		assertThat(pool.executor().getLargestPoolSize()).isLessThanOrEqualTo(2);
	}

	/**
	 * Holds the starter thread, which every pool shares, in the creation of another pool's
	 * thread (started from an event loop), so that a reservation made next waits for it.
	 */
	private HeldStarter holdTheStarterThread() throws InterruptedException {
		CountDownLatch held = new CountDownLatch(1);
		CountDownLatch release = this.closing.gate();
		AtomicBoolean once = new AtomicBoolean();
		BlockingPool other = pool("other", 1, 1, (factory) -> (worker) -> {
			if (isStarterThread() && once.compareAndSet(false, true)) {
				held.countDown();
				awaitQuietly(release);
			}
			return factory.newThread(worker);
		});
		CountDownLatch otherStarted = new CountDownLatch(1);
		onEventLoop(() -> other.execute(otherStarted::countDown, null));
		assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
		return new HeldStarter(release, otherStarted);
	}

	/**
	 * The held starter thread: opening {@code release} lets it go on, and the other pool's
	 * task then runs.
	 */
	private record HeldStarter(CountDownLatch release, CountDownLatch otherStarted) {
	}

	private BlockingPool pool(String name, int maxThreads, int queueCapacity, UnaryOperator<ThreadFactory> decorator) {
		return this.closing.add(new BlockingPool(ClosingBridges.small(name, maxThreads, queueCapacity),
				PublicFailures.get(), decorator));
	}

	private static boolean isStarterThread() {
		return Thread.currentThread().getName().equals("bridge-pool-starter");
	}

	private static void onEventLoop(Runnable action) throws InterruptedException {
		CountDownLatch done = new CountDownLatch(1);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Schedulers.parallel().schedule(() -> {
			try {
				action.run();
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
			finally {
				done.countDown();
			}
		});
		assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(failure.get()).isNull();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * What became of one task: it ran, or its caller was told why not (at submission, or
	 * later through the task's abandon action).
	 */
	static final class Outcome {

		volatile boolean ran;

		final AtomicReference<RuntimeException> refusal = new AtomicReference<>();

		volatile boolean refusedAtSubmission;

		private final CountDownLatch settled = new CountDownLatch(1);

		void submit(BlockingPool pool) {
			Consumer<RuntimeException> told = (error) -> {
				this.refusal.set(error);
				this.settled.countDown();
			};
			try {
				pool.execute(() -> {
					this.ran = true;
					this.settled.countDown();
				}, told, null);
			}
			catch (RejectedExecutionException ex) {
				this.refusedAtSubmission = true;
				this.refusal.set(ex);
				this.settled.countDown();
			}
		}

		boolean settled() {
			return this.settled.getCount() == 0;
		}

		boolean awaitSettled() throws InterruptedException {
			return this.settled.await(10, TimeUnit.SECONDS);
		}

		void assertRan() throws InterruptedException {
			assertThat(awaitSettled()).isTrue();
			assertThat(this.refusal.get()).as("refusal").isNull();
			assertThat(this.ran).isTrue();
		}

	}

}
