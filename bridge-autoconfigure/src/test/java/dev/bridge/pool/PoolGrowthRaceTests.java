package dev.bridge.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.bridge.ClosingBridges;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The race between a thread retiring after keep-alive and a task arriving: the task must
 * get a thread, never wait behind a busy one while the pool may still grow.
 */
class PoolGrowthRaceTests {

	private static final int DRIVERS = 4;

	private static final int ITERATIONS = 10_000;

	@RegisterExtension
	final ClosingBridges pools = new ClosingBridges();

	private final CountDownLatch hold = this.pools.gate();

	@Test
	void aTaskArrivingAsAThreadRetiresStartsAtOnceWhileThePoolIsBelowItsMaximum() {
		// Several pools at once, each driven by its own thread, so that 10 000 rounds with a
		// random pause of up to 2 ms fit in a few seconds.
		List<CompletableFuture<Void>> drivers = new ArrayList<>();
		for (int i = 0; i < DRIVERS; i++) {
			BlockingPool pool = this.pools
				.pool(ClosingBridges.small("race-" + i, 4, 10).withKeepAlive(Duration.ofMillis(1)));
			drivers.add(CompletableFuture.runAsync(() -> drive(pool, ITERATIONS / DRIVERS), runOnNewThread()));
		}
		CompletableFuture.allOf(drivers.toArray(new CompletableFuture[0])).join();
	}

	private void drive(BlockingPool pool, int rounds) {
		CountDownLatch busy = new CountDownLatch(1);
		pool.execute(() -> {
			busy.countDown();
			awaitQuietly(this.hold, 60);
		}, null);
		assertThat(awaitQuietly(busy, 5)).isTrue();
		for (int round = 0; round < rounds; round++) {
			CountDownLatch quick = new CountDownLatch(1);
			pool.execute(quick::countDown, null);
			assertThat(awaitQuietly(quick, 5)).as("quick task of round %d on %s", round, pool).isTrue();
			LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(2)));
			CountDownLatch started = new CountDownLatch(1);
			pool.execute(started::countDown, null);
			assertThat(awaitQuietly(started, 5))
				.as("round %d: task still waiting behind the busy one on %s, active=%d", round, pool, pool.active())
				.isTrue();
		}
	}

	private static java.util.concurrent.Executor runOnNewThread() {
		return (task) -> new Thread(task, "race-driver").start();
	}

	private static boolean awaitQuietly(CountDownLatch latch, long seconds) {
		try {
			return latch.await(seconds, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}
