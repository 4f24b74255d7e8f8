package dev.bridge.offload;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.micrometer.context.ContextRegistry;
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
import dev.bridge.BlockingBridgeShutdownException;
import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.ClosingBridges;
import dev.bridge.FailingOnPoolThreads;
import dev.bridge.context.ContextCarrier;
import dev.bridge.pool.BlockingPool;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Schedulers;
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
		CountDownLatch invoked = new CountDownLatch(1);
		LateSubscriber late = new LateSubscriber();
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
		await().atMost(Duration.ofSeconds(5)).until(() -> late.value.get() != null);
		assertThat(workThread.get()).startsWith("bridge-one-");
	}

	@Test
	void aContextAccessorThatFailsOnThePoolThreadFailsTheCallInsteadOfLeavingItUnanswered() {
		ThreadLocal<String> good = new ThreadLocal<>();
		FailingOnPoolThreads failing = new FailingOnPoolThreads();
		ThreadLocal<String> bad = failing.threadLocal();
		ContextRegistry registry = new ContextRegistry()
			.registerThreadLocalAccessor("good", good::get, good::set, good::remove)
			.registerThreadLocalAccessor(failing);
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
		CountDownLatch invoked = new CountDownLatch(1);
		LateSubscriber late = new LateSubscriber();
		Offloaders.of(bridge).mono("one", "Lazy.next", null, () -> {
			invoked.countDown();
			return Flux.just("value").doOnCancel(() -> publisherCancelled.set(true)).next();
		}).subscribe(late);
		assertThat(invoked.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		// The pool's one thread busy and its one queue slot taken: the late request's hop is refused.
		CountDownLatch gate = this.bridges.gate();
		CountDownLatch running = new CountDownLatch(1);
		bridge.spawn("one", () -> {
			running.countDown();
			return gate.await(10, TimeUnit.SECONDS);
		}).subscribe();
		assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
		bridge.spawn("one", () -> "queued").subscribe();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 1 && pool.queued() == 1);
		late.request(1);
		assertThat(late.error.get()).isInstanceOf(BlockingPoolSaturatedException.class);
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

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT1H" })
	void aCallAssembledBeforeAutomaticPropagationIsSwitchedOnStillCarriesItsContext(String timeout) {
		ThreadLocal<String> tenant = new ThreadLocal<>();
		ContextRegistry registry = new ContextRegistry().registerThreadLocalAccessor("tenant", tenant::get, tenant::set,
				tenant::remove);
		ContextRegistry.getInstance().registerThreadLocalAccessor("single-call.tenant", tenant::get, tenant::set,
				tenant::remove);
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler((context) -> true);
		BlockingBridge bridge = this.bridges.create((builder) -> builder.observationRegistry(observations)
			.contextCarrier(new ContextCarrier(registry))
			.pool(ClosingBridges.small("one", 1, 10)));
		tenant.set("acme");
		Mono<String> call = Offloaders.of(bridge).mono("one", "Tenant.read", duration(timeout), () -> {
			Observation current = observations.getCurrentObservation();
			return Mono.just(tenant.get() + "/" + ((current != null) ? current.getContext().getName() : null));
		});
		tenant.remove();
		Hooks.enableAutomaticContextPropagation();
		try {
			assertThat(call.block(Duration.ofSeconds(5))).isEqualTo("acme/" + Offloader.OBSERVATION_NAME);
		}
		finally {
			Hooks.disableAutomaticContextPropagation();
			ContextRegistry.getInstance().removeThreadLocalAccessor("single-call.tenant");
		}
	}

	@ParameterizedTest(name = "assembled before switching on: {0}")
	@ValueSource(booleans = { true, false })
	void underAutomaticPropagationTheCallsObservationDoesNotReachTheOperatorsAfterIt(boolean assembledBefore) {
		ObservationRegistry observations = ObservationRegistry.create();
		observations.observationConfig().observationHandler((context) -> true);
		BlockingBridge bridge = this.bridges.create(
				(builder) -> builder.observationRegistry(observations).pool(ClosingBridges.small("one", 1, 10)));
		if (!assembledBefore) {
			Hooks.enableAutomaticContextPropagation();
		}
		try {
			Mono<String> call = Offloaders.of(bridge).mono("one", "Value.read", null, () -> Mono.just("value"));
			Hooks.enableAutomaticContextPropagation();
			// Runs on the pool thread, after the call's value: Reactor sets this operator's thread
			// locals from its own context, which has no bridge.blocking observation.
			String after = call.map((value) -> {
				Observation current = observations.getCurrentObservation();
				return String.valueOf((current != null) ? current.getContext().getName() : null);
			}).block(Duration.ofSeconds(5));
			assertThat(after).isEqualTo("null");
		}
		finally {
			Hooks.disableAutomaticContextPropagation();
		}
	}

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT1H" })
	void aScheduleHookThatSetsThreadLocalsDoesNotOverrideTheCallsContext(String timeout) {
		ThreadLocal<String> user = new ThreadLocal<>();
		ContextRegistry registry = new ContextRegistry().registerThreadLocalAccessor("user", user::get, user::set,
				user::remove);
		// What an application's MDC-copying hook does: the scheduling thread's value around the task.
		Schedulers.onScheduleHook(SingleCallTests.class.getName(), (task) -> {
			String scheduling = user.get();
			return () -> {
				user.set(scheduling);
				try {
					task.run();
				}
				finally {
					user.remove();
				}
			};
		});
		try {
			BlockingBridge bridge = this.bridges
				.create((builder) -> builder.contextCarrier(new ContextCarrier(registry)).pool(ClosingBridges.small("one", 1, 10)));
			user.set("alice");
			Mono<String> call = Offloaders.of(bridge).mono("one", "User.read", duration(timeout),
					() -> Mono.just(String.valueOf(user.get())));
			user.remove();
			assertThat(call.block(Duration.ofSeconds(5))).isEqualTo("alice");
		}
		finally {
			Schedulers.resetOnScheduleHook(SingleCallTests.class.getName());
			user.remove();
		}
	}

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT1H" })
	void aLateRequestAbandonedAtShutdownFailsTheCallInsteadOfLeavingItUnanswered(String timeout) throws Exception {
		BlockingBridge bridge = this.bridges
			.add(BlockingBridge.builder().awaitTermination(Duration.ofMillis(1)).pool(ClosingBridges.small("one", 1, 10)).build());
		BlockingPool pool = bridge.pool("one");
		LateSubscriber late = new LateSubscriber();
		Offloaders.of(bridge).mono("one", "Lazy.next", duration(timeout), () -> Mono.fromSupplier(() -> "lazy")).subscribe(late);
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		CountDownLatch running = new CountDownLatch(1);
		CountDownLatch gate = this.bridges.gate();
		bridge.spawn("one", () -> {
			running.countDown();
			return gate.await(10, TimeUnit.SECONDS);
		}).subscribe((value) -> {
		}, (error) -> {
		});
		assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
		late.request(1);
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.queued() == 1);
		bridge.close();
		assertThat(late.finished.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(late.error.get()).isInstanceOf(BlockingBridgeShutdownException.class);
	}

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT5S" })
	void aValueTheMethodHoldsIsPassedOnInPlaceWhenTheSubscriberAskedForItAlready(String timeout) {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		AtomicReference<List<String>> frames = new AtomicReference<>();
		StepVerifier.create(Offloaders.of(bridge).mono("one", "Held.value", duration(timeout), () -> Mono.just("held")))
			.consumeNextWith((value) -> {
				assertThat(value).isEqualTo("held");
				frames.set(callers());
			})
			.expectComplete()
			.verify(Duration.ofSeconds(5));
		assertThat(frames.get()).contains(SingleCallTests.class.getPackageName() + ".OffloadOperators$SingleSubscriber")
			.doesNotContain(SCALAR_SUBSCRIPTION);
	}

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT5S" })
	void aValueTheMethodHoldsWaitsForASubscriberThatHasNotAskedYet(String timeout) throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		BlockingPool pool = bridge.pool("one");
		CountDownLatch invoked = new CountDownLatch(1);
		AtomicReference<List<String>> frames = new AtomicReference<>();
		LateSubscriber late = new LateSubscriber((value) -> frames.set(callers()));
		Offloaders.of(bridge).mono("one", "Held.value", duration(timeout), () -> {
			invoked.countDown();
			return Mono.just("held");
		}).subscribe(late);
		assertThat(invoked.await(5, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		assertThat(late.value).hasNullValue();
		assertThat(late.finished.getCount()).isOne();
		late.request(1);
		assertThat(late.finished.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(late.value).hasValue("held");
		assertThat(late.error).hasNullValue();
		// Subscribed to, as any publisher: the value waited in its own subscription.
		assertThat(frames.get()).contains(SCALAR_SUBSCRIPTION);
	}

	@Test
	void aValueSourceOtherThanReactorsIsSubscribedToAsItIs() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		HeldValue held = new HeldValue("held");
		StepVerifier.create(Offloaders.of(bridge).mono("one", "Held.value", null, () -> held))
			.expectNext("held")
			.expectComplete()
			.verify(Duration.ofSeconds(5));
		// Its call() may do work: taken in place and then, had it failed, subscribed to, it would run twice.
		assertThat(held.taken).hasValue(0);
		assertThat(held.subscribed).hasValue(1);
	}

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT5S" })
	void aLastOperatorHookStillSeesTheMethodsValue(String timeout) {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		AtomicInteger hooked = new AtomicInteger();
		Mono<String> method = Mono.just("held");
		Publisher<Object> held = asPublisher(method);
		Hooks.onLastOperator(SingleCallTests.class.getName(), (publisher) -> (publisher == held)
				? asPublisher(method.doOnSubscribe((subscription) -> hooked.incrementAndGet())) : publisher);
		try {
			StepVerifier.create(Offloaders.of(bridge).mono("one", "Held.value", duration(timeout), () -> method))
				.expectNext("held")
				.expectComplete()
				.verify(Duration.ofSeconds(5));
		}
		finally {
			Hooks.resetOnLastOperator(SingleCallTests.class.getName());
		}
		assertThat(hooked).hasValue(1);
	}

	@ParameterizedTest(name = "timeout {0}")
	@ValueSource(strings = { "none", "PT5S" })
	void aSubscriberThatCancelsOnTheValueIsNotToldOfACompletion(String timeout) {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		BlockingPool pool = bridge.pool("one");
		List<String> signals = new CopyOnWriteArrayList<>();
		Offloaders.of(bridge).mono("one", "Held.value", duration(timeout), () -> Mono.just("held")).subscribe(new CoreSubscriber<>() {

			private @Nullable Subscription subscription;

			@Override
			public void onSubscribe(Subscription subscription) {
				this.subscription = subscription;
				subscription.request(1);
			}

			@Override
			public void onNext(String value) {
				signals.add(value);
				if (this.subscription != null) {
					this.subscription.cancel();
				}
			}

			@Override
			public void onError(Throwable error) {
				signals.add("error " + error);
			}

			@Override
			public void onComplete() {
				signals.add("complete");
			}

		});
		// The pool thread goes on from the value to the completion, if any, before it is idle.
		await().atMost(Duration.ofSeconds(5)).until(() -> !signals.isEmpty() && pool.active() == 0);
		assertThat(signals).containsExactly("held");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "checked", "runtime", "error" })
	void anErrorTheMethodReturnsReachesTheCallerUnchanged(String kind) {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		Throwable failure = switch (kind) {
			case "checked" -> new IOException("disk gone");
			case "runtime" -> new IllegalStateException("broken");
			default -> new AssertionError("wrong");
		};
		StepVerifier.create(Offloaders.of(bridge).mono("one", "Held.error", null, () -> Mono.<String>error(failure)))
			.expectErrorSatisfies((error) -> assertThat(error).isSameAs(failure))
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void anEmptyResultCompletesTheCall() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		StepVerifier.create(Offloaders.of(bridge).mono("one", "Held.empty", null, Mono::<String>empty))
			.expectComplete()
			.verify(Duration.ofSeconds(5));
	}

	private static final String SCALAR_SUBSCRIPTION = "reactor.core.publisher.Operators$ScalarSubscription";

	@SuppressWarnings("unchecked")
	private static Publisher<Object> asPublisher(Publisher<?> publisher) {
		return (Publisher<Object>) publisher;
	}

	/** The classes on the calling thread's stack. */
	private static List<String> callers() {
		return StackWalker.getInstance().walk((frames) -> frames.map(StackWalker.StackFrame::getClassName).toList());
	}

	private static @Nullable Duration duration(String timeout) {
		return "none".equals(timeout) ? null : Duration.parse(timeout);
	}

	/**
	 * A value at hand, as {@code Mono.just} holds it, counting how it was taken.
	 */
	private static final class HeldValue extends Mono<String> implements Fuseable.ScalarCallable<String> {

		final AtomicInteger taken = new AtomicInteger();

		final AtomicInteger subscribed = new AtomicInteger();

		private final String value;

		HeldValue(String value) {
			this.value = value;
		}

		@Override
		public String call() {
			this.taken.incrementAndGet();
			return this.value;
		}

		@Override
		public void subscribe(CoreSubscriber<? super String> actual) {
			this.subscribed.incrementAndGet();
			actual.onSubscribe(Operators.scalarSubscription(actual, this.value));
		}

	}

	/**
	 * A subscriber that asks for nothing until told, and records what it receives.
	 */
	private static final class LateSubscriber extends BaseSubscriber<String> {

		final AtomicReference<String> value = new AtomicReference<>();

		final AtomicReference<Throwable> error = new AtomicReference<>();

		final CountDownLatch finished = new CountDownLatch(1);

		private final Consumer<String> onNext;

		LateSubscriber() {
			this((next) -> {
			});
		}

		LateSubscriber(Consumer<String> onNext) {
			this.onNext = onNext;
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			// no demand yet
		}

		@Override
		protected void hookOnNext(String next) {
			this.onNext.accept(next);
			this.value.set(next);
		}

		@Override
		protected void hookOnError(Throwable failure) {
			this.error.set(failure);
		}

		@Override
		protected void hookFinally(SignalType type) {
			this.finished.countDown();
		}

	}

}
