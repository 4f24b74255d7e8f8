package dev.bridge.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.reactivestreams.Subscription;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.BlockingBridge;
import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.BlockingTimeoutException;
import dev.bridge.ClosingBridges;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolSettings;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pool of 2 threads and 2 queue slots with a 300 µs timeout, under rounds of concurrent
 * calls: a refused call reaches its caller as saturation, never as a timeout that raced the
 * refusal, and with callers cancelling at random no operator of the call drops an error (which
 * Reactor logs).
 */
@ExtendWith(OutputCaptureExtension.class)
class ShortTimeoutRefusalTests {

	private static final int ROUNDS = 1500;

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private final BlockingBridge bridge = this.bridges.add(BlockingBridge.builder()
		.awaitTermination(Duration.ofSeconds(5))
		.pool(PoolSettings.defaults("tight")
			.withMaxThreads(2)
			.withQueueCapacity(2)
			.withTimeout(Duration.ofNanos(300_000)))
		.build());

	@Test
	void everyRefusalReachesItsCallerAsSaturation() {
		BlockingPool pool = this.bridge.pool("tight");
		long refusals = 0;
		for (int round = 0; round < ROUNDS; round++) {
			long rejectedBefore = pool.rejectedCount();
			List<Signal<Integer>> signals = Flux.range(0, 8)
				.flatMap((i) -> this.bridge.spawn("tight", () -> busy(i)).materialize(), 8)
				.collectList()
				.block(Duration.ofSeconds(10));
			long refused = pool.rejectedCount() - rejectedBefore;
			assertThat(signals).hasSize(8).allSatisfy((signal) -> {
				if (signal.isOnError()) {
					assertThat(signal.getThrowable()).isInstanceOfAny(BlockingPoolSaturatedException.class,
							BlockingTimeoutException.class);
				}
			});
			long saturated = signals.stream()
				.filter((signal) -> signal.getThrowable() instanceof BlockingPoolSaturatedException)
				.count();
			assertThat(saturated).as("refusals seen as saturation in round %d", round).isEqualTo(refused);
			refusals += refused;
		}
		assertThat(refusals).as("the rounds saturated the pool").isGreaterThan(ROUNDS);
	}

	@Test
	void callersCancellingAtRandomLeaveNoDroppedErrorInTheLog(CapturedOutput output) {
		BlockingPool pool = this.bridge.pool("tight");
		long rejectedBefore = pool.rejectedCount();
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (int round = 0; round < ROUNDS; round++) {
			List<Disposable> calls = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				int value = i;
				Caller caller = new Caller();
				this.bridge.spawn("tight", () -> busy(value)).subscribe(caller);
				calls.add(caller);
			}
			for (Disposable call : calls) {
				if (random.nextBoolean()) {
					spin(random.nextLong(200_000));
					call.dispose();
				}
			}
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.active() == 0 && pool.queued() == 0);
		assertThat(pool.rejectedCount() - rejectedBefore).as("the rounds saturated the pool").isGreaterThan(ROUNDS);
		assertThat(output).doesNotContain("onErrorDropped").doesNotContain("ERROR");
	}

	/**
	 * A caller that cancels at random. Unlike Reactor's lambda subscriber it does not report
	 * an error that reaches it after its own cancel: by Reactive Streams such an error may
	 * always race a cancel, and the test is about the operators of the call, not the caller.
	 */
	static final class Caller implements CoreSubscriber<Integer>, Disposable {

		private final AtomicReference<Subscription> subscription = new AtomicReference<>();

		@Override
		public void onSubscribe(Subscription s) {
			if (this.subscription.compareAndSet(null, s)) {
				s.request(1);
			}
			else {
				s.cancel();
			}
		}

		@Override
		public void onNext(Integer value) {
		}

		@Override
		public void onError(Throwable ex) {
		}

		@Override
		public void onComplete() {
		}

		@Override
		public void dispose() {
			Subscription s = this.subscription.getAndSet(Operators.cancelledSubscription());
			if (s != null) {
				s.cancel();
			}
		}

	}

	private static Integer busy(int value) {
		spin(ThreadLocalRandom.current().nextLong(200_000));
		return value;
	}

	/**
	 * Busy work under test (a short CPU-bound body), not a wait for a condition.
	 */
	private static void spin(long nanos) {
		long end = System.nanoTime() + nanos;
		while (System.nanoTime() < end) {
			Thread.onSpinWait();
		}
	}

}
