package dev.bridge.pool;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.PublicFailures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link PlatformPoolExecutor}: the executor of a platform pool has no bound of its
 * own, yet reports the pool's, and the pool's bound still holds.
 */
class PlatformPoolExecutorTests {

	private final CountDownLatch gate = new CountDownLatch(1);

	private final BlockingPool pool = new BlockingPool(
			PoolSettings.defaults("images").withMaxThreads(2).withQueueCapacity(1), PublicFailures.get());

	@AfterEach
	void shutDown() {
		this.gate.countDown();
		this.pool.shutdown(Duration.ofSeconds(5));
	}

	@Test
	void theExecutorReportsThePoolsBoundAndRefusesToBeResizedNamingTheProperty() {
		assertThat(this.pool.executor()).isInstanceOf(PlatformPoolExecutor.class);
		assertThat(this.pool.executor().getMaximumPoolSize()).isEqualTo(2);
		assertThat(this.pool.executor().getCorePoolSize()).isZero();
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> this.pool.executor().setMaximumPoolSize(10))
			.withMessage("The threads of blocking pool 'images' are bounded by its settings and cannot be resized at "
					+ "run time; set bridge.pools.images.max-threads instead");
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> this.pool.executor().setCorePoolSize(1))
			.withMessageContaining("bridge.pools.images.max-threads");
		assertThat(this.pool.executor().getMaximumPoolSize()).isEqualTo(2);
	}

	@Test
	void thePoolStillBoundsItsThreadsThenQueuesThenRefuses() throws Exception {
		CountDownLatch started = new CountDownLatch(2);
		for (int i = 0; i < 2; i++) {
			this.pool.execute(() -> {
				started.countDown();
				awaitQuietly(this.gate);
			}, null);
		}
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		this.pool.execute(() -> {
		}, null);
		assertThat(this.pool.threads()).isEqualTo(2);
		assertThat(this.pool.queued()).isEqualTo(1);
		assertThat(this.pool.executor().getQueue().remainingCapacity()).isZero();
		assertThatExceptionOfType(BlockingPoolSaturatedException.class).isThrownBy(() -> this.pool.execute(() -> {
		}, null));
		assertThat(this.pool.threads()).isEqualTo(2);
		assertThat(this.pool.executor().getLargestPoolSize()).isEqualTo(2);
		assertThat(this.pool.rejectedCount()).isEqualTo(1);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
