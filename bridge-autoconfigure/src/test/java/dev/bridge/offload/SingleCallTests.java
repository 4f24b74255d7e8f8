package dev.bridge.offload;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.reactivestreams.Subscription;

import dev.bridge.BlockingBridge;
import dev.bridge.ClosingBridges;
import dev.bridge.context.ContextCarrier;
import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A call with one value is one pool task ({@code OffloadOperators.single}): what it must still
 * do as {@code subscribeOn} did, and a failure before its body runs.
 */
class SingleCallTests {

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	@Test
	void aRequestMadeAfterThePoolTaskRanFromAnotherThreadIsMadeOnThePool() throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		BlockingPool pool = bridge.pool("one");
		AtomicReference<String> workThread = new AtomicReference<>();
		AtomicReference<String> received = new AtomicReference<>();
		CountDownLatch invoked = new CountDownLatch(1);
		BaseSubscriber<String> late = new BaseSubscriber<>() {

			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				// no demand yet
			}

			@Override
			protected void hookOnNext(String value) {
				received.set(value);
			}

		};
		Offloaders.of(bridge).mono("one", "Lazy.next", null, () -> {
			invoked.countDown();
			// Does its work only when asked for a value, as a cursor's next() would.
			return Flux.range(1, 1).map((i) -> {
				workThread.set(Thread.currentThread().getName());
				return "value";
			}).next();
		}).subscribe(late);
		assertThat(invoked.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		late.request(1);
		await().atMost(Duration.ofSeconds(5)).until(() -> received.get() != null);
		assertThat(workThread.get()).startsWith("bridge-one-");
	}

	@Test
	void aContextAccessorThatFailsOnThePoolThreadFailsTheCallInsteadOfLeavingItUnanswered() {
		ThreadLocal<String> good = new ThreadLocal<>();
		ThreadLocal<String> bad = new ThreadLocal<>();
		ContextRegistry registry = new ContextRegistry()
			.registerThreadLocalAccessor("good", good::get, good::set, good::remove)
			.registerThreadLocalAccessor(new ThreadLocalAccessor<String>() {

				@Override
				public Object key() {
					return "bad";
				}

				@Override
				public String getValue() {
					return bad.get();
				}

				@Override
				public void setValue(String value) {
					if (Thread.currentThread().getName().startsWith("bridge-")) {
						throw new IllegalArgumentException("no " + value + " here");
					}
					bad.set(value);
				}

				@Override
				public void setValue() {
					bad.remove();
				}

			});
		BlockingBridge bridge = this.bridges
			.create((builder) -> builder.contextCarrier(new ContextCarrier(registry)).pool(ClosingBridges.small("one", 1, 10)));
		good.set("caller");
		bad.set("caller");
		try {
			StepVerifier.create(bridge.spawn("one", () -> "ran"))
				.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("pool 'one'")
					.hasMessageContaining("ThreadLocalAccessor")
					.hasRootCauseMessage("no caller here"))
				.verify(Duration.ofSeconds(5));
		}
		finally {
			good.remove();
			bad.remove();
		}
		// The accessor set before the failing one was put back: nothing is left on the thread.
		StepVerifier.create(bridge.spawn("one", () -> String.valueOf(good.get()))).expectNext("null").verifyComplete();
	}

}
