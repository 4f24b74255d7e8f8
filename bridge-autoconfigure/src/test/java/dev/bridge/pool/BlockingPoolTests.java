package dev.bridge.pool;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.bridge.BlockingBridge;
import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.BridgeConfigurationException;
import dev.bridge.ClosingBridges;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link BlockingPool} through the bridge that owns it: growth before queueing,
 * thread reuse and retirement, saturation, cancellation, the scheduler view and virtual
 * threads.
 */
class BlockingPoolTests {

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	@Test
	void threadsAreCreatedUpToTheMaximumBeforeAnythingQueues() throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("p", 3, 10));
		CountDownLatch gate = this.bridges.gate();
		CountDownLatch started = new CountDownLatch(3);
		for (int i = 0; i < 3; i++) {
			bridge.spawn("p", () -> {
				started.countDown();
				return gate.await(10, TimeUnit.SECONDS);
			}).subscribe();
		}
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(bridge.pool("p").threads()).isEqualTo(3);
		assertThat(bridge.pool("p").queued()).isZero();
		bridge.spawn("p", () -> "queued").subscribe();
		assertThat(bridge.pool("p").queued()).isEqualTo(1);
	}

	@Test
	void idleThreadsRetireAfterKeepAlive() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("p", 4, 10).withKeepAlive(Duration.ofMillis(100)));
		Flux.range(0, 4).flatMap((i) -> bridge.spawn("p", () -> i)).blockLast(Duration.ofSeconds(5));
		await().atMost(Duration.ofSeconds(5)).until(() -> bridge.pool("p").threads() == 0);
	}

	@Test
	void fullQueueIsRefusedWithSaturatedExceptionNamingThePoolAndTheFix() throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("tiny", 1, 1));
		CountDownLatch gate = this.bridges.gate();
		CountDownLatch started = new CountDownLatch(1);
		bridge.spawn("tiny", () -> {
			started.countDown();
			return gate.await(10, TimeUnit.SECONDS);
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		bridge.spawn("tiny", () -> "queued").subscribe();
		StepVerifier.create(bridge.spawn("tiny", () -> "refused"))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(BlockingPoolSaturatedException.class)
				.hasMessage("Blocking pool 'tiny' is saturated: all 1 threads are busy and its queue of 1 is full; "
						+ "retry later, or raise bridge.pools.tiny.max-threads / bridge.pools.tiny.queue-capacity"))
			.verify(Duration.ofSeconds(5));
		assertThat(bridge.pool("tiny").rejectedCount()).isEqualTo(1);
	}

	@Test
	void aFullQueueGivesTheSlotOfATaskWhoseOwnerLeftToTheNextTaskAlsoRightAfterAScanThatFoundNone()
			throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("owned", 1, 1));
		BlockingPool pool = bridge.pool("owned");
		CountDownLatch gate = this.bridges.gate();
		CountDownLatch started = new CountDownLatch(1);
		PoolAccess.execute(pool, () -> {
			started.countDown();
			awaitQuietly(gate);
		}, null);
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		Disposable.Swap owner = Disposables.swap();
		AtomicBoolean ownedRan = new AtomicBoolean();
		PoolAccess.execute(pool, () -> ownedRan.set(true), owner);
		assertThatExceptionOfType(BlockingPoolSaturatedException.class)
			.isThrownBy(() -> PoolAccess.execute(pool, () -> { }, null));
		owner.dispose();
		AtomicBoolean nextRan = new AtomicBoolean();
		// Right after a scan that found nothing, a refusal may not scan again; a later one does.
		await().atMost(Duration.ofSeconds(5)).until(() -> {
			try {
				PoolAccess.execute(pool, () -> nextRan.set(true), null);
				return true;
			}
			catch (BlockingPoolSaturatedException ex) {
				return false;
			}
		});
		assertThat(pool.cancelledCount()).isEqualTo(1);
		gate.countDown();
		await().atMost(Duration.ofSeconds(5)).untilTrue(nextRan);
		assertThat(ownedRan).isFalse();
	}

	private static void awaitQuietly(CountDownLatch gate) {
		try {
			gate.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void cancellingAQueuedTaskRemovesItSoItNeverRuns() throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		CountDownLatch gate = this.bridges.gate();
		CountDownLatch started = new CountDownLatch(1);
		bridge.spawn("one", () -> {
			started.countDown();
			return gate.await(10, TimeUnit.SECONDS);
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		AtomicBoolean ran = new AtomicBoolean();
		Disposable queued = bridge.spawn("one", () -> ran.getAndSet(true)).subscribe();
		assertThat(bridge.pool("one").queued()).isEqualTo(1);
		queued.dispose();
		assertThat(bridge.pool("one").queued()).isZero();
		assertThat(bridge.pool("one").cancelledCount()).isEqualTo(1);
		gate.countDown();
		StepVerifier.create(bridge.spawn("one", () -> "after")).expectNext("after").verifyComplete();
		assertThat(ran).isFalse();
	}

	@Test
	void cancellingARunningTaskInterruptsIt() throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("p", 1, 10));
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		Disposable running = bridge.spawn("p", () -> {
			started.countDown();
			try {
				new CountDownLatch(1).await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
			return "done";
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		running.dispose();
		assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(bridge.pool("p").cancelledCount()).isEqualTo(1);
	}

	@Test
	void cancellingARunningTaskDoesNotInterruptItWhenThePoolSaysSo() throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("p", 1, 10).withInterruptOnCancel(false));
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = this.bridges.gate();
		AtomicReference<String> outcome = new AtomicReference<>();
		Disposable running = bridge.spawn("p", () -> {
			started.countDown();
			try {
				release.await(10, TimeUnit.SECONDS);
				outcome.set("finished");
			}
			catch (InterruptedException ex) {
				outcome.set("interrupted");
			}
			return "done";
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		running.dispose();
		release.countDown();
		await().atMost(Duration.ofSeconds(5)).untilAtomic(outcome, org.hamcrest.Matchers.notNullValue());
		assertThat(outcome).hasValue("finished");
	}

	@Test
	void schedulerRunsHandWrittenSubscribeOnOnThePool() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("io", 2, 10));
		StepVerifier.create(Mono.fromCallable(() -> Thread.currentThread().getName())
			.subscribeOn(bridge.scheduler("io"))).assertNext((name) -> assertThat(name).startsWith("bridge-io-"))
			.verifyComplete();
	}

	@Test
	void virtualThreadsNeedJava21AndSaySo() {
		PoolSettings settings = ClosingBridges.small("vt", 2, 10).withVirtualThreads(true);
		if (Runtime.version().feature() < 21) {
			assertThatExceptionOfType(BridgeConfigurationException.class).isThrownBy(() -> this.bridges.create(settings))
				.withMessage("bridge.pools.vt.virtual-threads is true, which needs Java 21 or newer, but this JVM is "
						+ "Java " + Runtime.version().feature()
						+ "; run on Java 21+ or set bridge.pools.vt.virtual-threads=false");
		}
		else {
			BlockingBridge bridge = this.bridges.create(settings);
			StepVerifier.create(bridge.spawn("vt", Thread::currentThread)).assertNext((thread) -> {
				assertThat(thread.getName()).startsWith("bridge-vt-");
				assertThat(thread.toString()).startsWith("VirtualThread");
			}).verifyComplete();
		}
	}

	@Test
	void virtualThreadPoolsKeepTheirBound() throws Exception {
		if (Runtime.version().feature() < 21) {
			assertThatExceptionOfType(BridgeConfigurationException.class)
				.isThrownBy(() -> this.bridges.create(ClosingBridges.small("vt", 1, 1).withVirtualThreads(true)));
			return;
		}
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("vt", 1, 1).withVirtualThreads(true));
		CountDownLatch gate = this.bridges.gate();
		CountDownLatch started = new CountDownLatch(1);
		bridge.spawn("vt", () -> {
			started.countDown();
			return gate.await(10, TimeUnit.SECONDS);
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		bridge.spawn("vt", () -> "queued").subscribe();
		StepVerifier.create(bridge.spawn("vt", () -> "refused"))
			.expectError(BlockingPoolSaturatedException.class)
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void sequentialCallsReuseAnIdleThreadInsteadOfGrowingThePool() {
		BlockingBridge bridge = this.bridges.create();
		BlockingPool pool = bridge.pool("default");
		for (int i = 0; i < 50; i++) {
			bridge.spawn(() -> "x").block(Duration.ofSeconds(5));
			// A caller can get its value before its task has left the thread: wait until it has.
			await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		}
		assertThat(pool.threads()).isEqualTo(1);
	}

}
