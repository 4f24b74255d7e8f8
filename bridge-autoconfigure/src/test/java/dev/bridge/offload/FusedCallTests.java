package dev.bridge.offload;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.reactivestreams.Subscription;

import dev.bridge.BlockingBridge;
import dev.bridge.ClosingBridges;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call with one value and no timeout ({@code OffloadOperators.singleCall}) offers Reactor's
 * asynchronous fusion, so that {@code flatMap} takes its value from the call's subscription
 * instead of making a queue per call.
 */
class FusedCallTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private Offloader offloader;

	@BeforeEach
	void bridge() {
		// The one-operator call is made while Reactor's automatic context propagation is off
		// (a Spring Boot test earlier in the same JVM may have left it on).
		Hooks.disableAutomaticContextPropagation();
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("p", 4, 2000));
		this.offloader = Offloaders.of(bridge);
	}

	@Test
	void aSubscriberThatAsksForAsynchronousFusionPollsTheValue() {
		StepVerifier.create(this.offloader.mono("p", "Fused.value", null, () -> Mono.just("value")))
			.expectFusion(Fuseable.ASYNC)
			.expectNext("value")
			.expectComplete()
			.verify(WAIT);
	}

	@Test
	void aFusedCallsErrorReachesTheSubscriber() {
		StepVerifier
			.create(this.offloader.mono("p", "Fused.error", null,
					() -> Mono.<String>error(new IllegalStateException("failed in the body"))))
			.expectFusion(Fuseable.ASYNC)
			.expectErrorMessage("failed in the body")
			.verify(WAIT);
	}

	@Test
	void aSubscriberThatAsksForSynchronousFusionOnlyIsRefusedAndGetsTheValueAsASignal() {
		StepVerifier.create(this.offloader.mono("p", "Fused.sync", null, () -> Mono.just("value")))
			.expectFusion(Fuseable.SYNC, Fuseable.NONE)
			.expectNext("value")
			.expectComplete()
			.verify(WAIT);
	}

	@Test
	void everyValueOfManyCallsInFlightUnderFlatMapArrivesOnce() {
		for (int round = 0; round < 20; round++) {
			AtomicInteger made = new AtomicInteger();
			List<Integer> values = Flux.range(0, 2000)
				.flatMap((i) -> this.offloader.mono("p", "Fused.many", null, () -> {
					made.incrementAndGet();
					return Mono.just(i);
				}), 256)
				.collectList()
				.block(WAIT);
			assertThat(values).hasSize(2000).doesNotHaveDuplicates();
			assertThat(made).hasValue(2000);
		}
	}

	@Test
	void aValueLeftUnpolledWhenTheSubscriberLeavesIsDiscarded() throws Exception {
		List<Object> discarded = new CopyOnWriteArrayList<>();
		FusingSubscriber subscriber = new FusingSubscriber(discarded);
		this.offloader.mono("p", "Fused.left", null, () -> Mono.just("value")).subscribe(subscriber);
		assertThat(subscriber.signalled.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(subscriber.mode).isEqualTo(Fuseable.ASYNC);
		assertThat(subscriber.queue.isEmpty()).isFalse();
		subscriber.queue.cancel();
		subscriber.queue.clear();
		assertThat(discarded).containsExactly("value");
		assertThat(subscriber.queue.poll()).isNull();
	}

	/**
	 * Asks for asynchronous fusion and never polls.
	 */
	private static final class FusingSubscriber implements CoreSubscriber<String> {

		private final Context context;

		final CountDownLatch signalled = new CountDownLatch(1);

		volatile Fuseable.QueueSubscription<String> queue;

		volatile int mode = -1;

		FusingSubscriber(List<Object> discarded) {
			this.context = Operators.enableOnDiscard(Context.empty(), discarded::add);
		}

		@Override
		@SuppressWarnings("unchecked")
		public void onSubscribe(Subscription subscription) {
			this.queue = (Fuseable.QueueSubscription<String>) subscription;
			this.mode = this.queue.requestFusion(Fuseable.ASYNC);
			subscription.request(1);
		}

		@Override
		public void onNext(String item) {
			this.signalled.countDown();
		}

		@Override
		public void onError(Throwable error) {
		}

		@Override
		public void onComplete() {
		}

		@Override
		public Context currentContext() {
			return this.context;
		}

	}

}
