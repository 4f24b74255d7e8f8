package dev.bridge.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.bridge.pool.BlockingPool;
import reactor.core.Disposable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 3: 200 clients disconnect before their blocking call starts. No queued task runs
 * after its client left, each is counted as cancelled, and the pool's threads retire after
 * keep-alive. Cancelling the future of a {@code @Blocking} method cancels its task too.
 */
class CancellationStormTests extends ReliabilityTestSupport {

	@Test
	void clientsThatLeaveBeforeTheirCallStartsNeverRunIt() throws Exception {
		BlockingPool pool = this.bridge.pool("storm");
		long cancelledBefore = pool.cancelledCount();
		double cancelledMeterBefore = counter("bridge.pool.cancelled", "storm");
		this.legacy.closeGate();
		Disposable holder = client().get().uri("/gated/holder").retrieve().bodyToMono(String.class).subscribe();
		assertThat(this.legacy.gateReached().await(10, TimeUnit.SECONDS)).isTrue();
		int startedBefore = this.legacy.started().get();

		List<Disposable> clients = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			clients.add(client().get().uri("/gated/{id}", i).retrieve().bodyToMono(String.class).subscribe());
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> pool.queued() == 200);
		clients.forEach(Disposable::dispose);
		await().atMost(Duration.ofSeconds(20)).until(() -> pool.cancelledCount() - cancelledBefore == 200);
		assertThat(pool.queued()).isZero();
		assertThat(counter("bridge.pool.cancelled", "storm") - cancelledMeterBefore).isEqualTo(200);

		this.legacy.openGate();
		holder.dispose();
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.active() == 0);
		assertThat(this.legacy.started().get()).as("no cancelled call ran").isEqualTo(startedBefore);
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.threads() == 0);
	}

	@Test
	void cancellingTheFutureOfABlockingMethodCancelsItsTask() throws Exception {
		BlockingPool pool = this.bridge.pool("cancel");
		long cancelledBefore = pool.cancelledCount();
		int interruptedBefore = this.legacy.futuresInterrupted().get();
		int startedBefore = this.legacy.futuresStarted().get();
		CountDownLatch reached = new CountDownLatch(1);
		CompletableFuture<String> running = this.legacy.heldFuture(reached);
		assertThat(reached.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<String> queued = this.legacy.heldFuture(new CountDownLatch(1));
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.queued() == 1);

		assertThat(queued.cancel(true)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.cancelledCount() == cancelledBefore + 1);
		assertThat(pool.queued()).isZero();

		assertThat(running.cancel(true)).isTrue();
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.legacy.futuresInterrupted().get() == interruptedBefore + 1);
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		assertThat(pool.cancelledCount()).isEqualTo(cancelledBefore + 2);
		assertThat(this.legacy.futuresStarted().get()).as("the queued call never ran").isEqualTo(startedBefore + 1);
	}

}
