package dev.bridge.pool;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.ClosingBridges;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link PoolTask}'s own run rules, which replaced {@code FutureTask}'s (its
 * cancellation rules are {@code BlockingPoolTests}' and {@code PoolSchedulerTests}'): what a
 * task throws is logged, not kept where nothing reads it.
 */
@ExtendWith(OutputCaptureExtension.class)
class PoolTaskTests {

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void aTaskThatThrowsIsLoggedNamingThePoolAndThePoolRunsTheNextTask(boolean virtual, CapturedOutput output)
			throws Exception {
		BlockingPool pool = this.bridges
			.pool(ClosingBridges.small("p", 1, 10).withVirtualThreads(virtual && Runtime.version().feature() >= 21));
		CountDownLatch thrown = new CountDownLatch(1);
		PoolAccess.execute(pool, () -> {
			thrown.countDown();
			throw new IllegalStateException("thrown by the task under test");
		}, null);
		assertThat(thrown.await(5, TimeUnit.SECONDS)).isTrue();
		AtomicReference<String> next = new AtomicReference<>();
		CountDownLatch ran = new CountDownLatch(1);
		PoolAccess.execute(pool, () -> {
			next.set("ran");
			ran.countDown();
		}, null);
		assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(next).hasValue("ran");
		assertThat(output).contains("A task on blocking pool 'p' threw, and nothing else reports it")
			.contains("java.lang.IllegalStateException: thrown by the task under test");
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
	}

}
