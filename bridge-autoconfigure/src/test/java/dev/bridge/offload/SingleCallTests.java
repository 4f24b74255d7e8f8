package dev.bridge.offload;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;

import dev.bridge.BlockingBridge;
import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.ClosingBridges;
import dev.bridge.context.ContextCarrier;
import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A call with one value is one pool task ({@code OffloadOperators.single}), and without a
 * timeout one operator ({@code OffloadOperators.singleCall}): what they must still do as
 * {@code subscribeOn} and Reactor's operators did, and failures before the body runs.
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

	@Test
	void aLateRequestThePoolRefusesCancelsTheMethodsPublisherAndFailsTheCall() throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 1));
		BlockingPool pool = bridge.pool("one");
		AtomicBoolean publisherCancelled = new AtomicBoolean();
		AtomicReference<Throwable> failed = new AtomicReference<>();
		CountDownLatch invoked = new CountDownLatch(1);
		BaseSubscriber<String> late = new BaseSubscriber<>() {

			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				// no demand yet
			}

			@Override
			protected void hookOnError(Throwable error) {
				failed.set(error);
			}

		};
		Offloaders.of(bridge).mono("one", "Lazy.next", null, () -> {
			invoked.countDown();
			return Flux.just("value").doOnCancel(() -> publisherCancelled.set(true)).next();
		}).subscribe(late);
		assertThat(invoked.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		// The pool's one thread busy and its one queue slot taken: the late request's hop is refused.
		CountDownLatch gate = this.bridges.gate();
		bridge.spawn("one", () -> gate.await(10, TimeUnit.SECONDS)).subscribe();
		bridge.spawn("one", () -> "queued").subscribe();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 1 && pool.queued() == 1);
		late.request(1);
		assertThat(failed.get()).isInstanceOf(BlockingPoolSaturatedException.class);
		assertThat(publisherCancelled).isTrue();
		gate.countDown();
	}

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT5S" })
	void anObservationHandlerThatFailsOnStartFailsTheCallInsteadOfThrowingFromSubscribe(String timeout) {
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onStart(Observation.Context context) {
				throw new IllegalStateException("handler broken");
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
		BlockingBridge bridge = this.bridges.create(
				(builder) -> builder.observationRegistry(observations).pool(ClosingBridges.small("one", 1, 10)));
		AtomicBoolean ran = new AtomicBoolean();
		StepVerifier.create(Offloaders.of(bridge).mono("one", "Broken.observed", duration(timeout), () -> {
			ran.set(true);
			return Mono.just("ran");
		})).expectErrorMessage("handler broken").verify(Duration.ofSeconds(5));
		assertThat(ran).isFalse();
	}

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT5S" })
	void reactorsAssemblyHooksSeeTheCall(String timeout) {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		List<Publisher<?>> assembled = new CopyOnWriteArrayList<>();
		Hooks.onEachOperator(SingleCallTests.class.getName(), (publisher) -> {
			assembled.add(publisher);
			return publisher;
		});
		try {
			Mono<String> call = Offloaders.of(bridge).mono("one", "Work.hooked", duration(timeout), () -> Mono.just("ran"));
			assertThat(assembled).anySatisfy((publisher) -> assertThat(publisher).isSameAs(call));
			StepVerifier.create(call).expectNext("ran").verifyComplete();
		}
		finally {
			Hooks.resetOnEachOperator(SingleCallTests.class.getName());
		}
	}

	private static @Nullable Duration duration(String timeout) {
		return "none".equals(timeout) ? null : Duration.parse(timeout);
	}

}
