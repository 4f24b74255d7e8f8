package dev.bridge.aspect;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.bridge.Blocking;
import dev.bridge.BlockingTimeoutException;
import dev.bridge.autoconfigure.BridgeAspectAutoConfiguration;
import dev.bridge.autoconfigure.BridgeAutoConfiguration;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @Blocking} methods returning a type Spring's {@code ReactiveAdapterRegistry} adapts
 * other than {@code Mono}/{@code Flux}/futures (a plain {@code Publisher}, a JDK
 * {@code Flow.Publisher}) run on the pool, deferred to subscription, and the caller gets the
 * declared type back, with the body's errors and the call's timeout.
 */
class ReactiveReturnTypeTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, BridgeAutoConfiguration.class,
				BridgeAspectAutoConfiguration.class))
		.withBean(Streams.class);

	@Test
	void publisherMethodIsDeferredToSubscriptionAndRunsOnThePool() {
		this.runner.run((context) -> {
			Streams streams = context.getBean(Streams.class);
			Publisher<String> publisher = streams.publisher();
			assertThat(streams.calls()).hasValue(0);
			StepVerifier.create(publisher)
				.assertNext((thread) -> assertThat(thread).startsWith("bridge-default-"))
				.assertNext((thread) -> assertThat(thread).startsWith("bridge-default-"))
				.verifyComplete();
			assertThat(streams.calls()).hasValue(1);
		});
	}

	@Test
	void jdkFlowPublisherMethodRunsOnThePoolAndKeepsItsType() {
		this.runner.run((context) -> {
			Streams streams = context.getBean(Streams.class);
			java.util.concurrent.Flow.Publisher<String> publisher = streams.jdkFlow();
			assertThat(streams.calls()).hasValue(0);
			StepVerifier.create(JdkFlowAdapter.flowPublisherToFlux(publisher))
				.assertNext((thread) -> assertThat(thread).startsWith("bridge-default-"))
				.verifyComplete();
		});
	}

	@Test
	void publisherMethodErrorReachesTheCallerUnchanged() {
		this.runner.run((context) -> {
			Streams streams = context.getBean(Streams.class);
			StepVerifier.create(streams.failing())
				.expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(Streams.FAILURE))
				.verify(Duration.ofSeconds(5));
		});
	}

	@Test
	void publisherMethodTimesOutWithTheBridgesException() {
		this.runner.run((context) -> {
			Streams streams = context.getBean(Streams.class);
			StepVerifier.create(streams.slow())
				.expectError(BlockingTimeoutException.class)
				.verify(Duration.ofSeconds(5));
		});
	}

	@Test
	void kindsFollowTheReactiveAdapterRegistry() throws Exception {
		assertThat(BlockingMethod.kindOf(Streams.class.getMethod("publisher")))
			.isEqualTo(BlockingMethod.Kind.REACTIVE_MULTI);
		assertThat(BlockingMethod.kindOf(Streams.class.getMethod("jdkFlow"))).isEqualTo(BlockingMethod.Kind.REACTIVE_MULTI);
		assertThat(BlockingMethod.kindOf(Streams.class.getMethod("plain"))).isEqualTo(BlockingMethod.Kind.PLAIN);
		assertThat(BlockingMethod.kindOf(Object.class)).isEqualTo(BlockingMethod.Kind.PLAIN);
	}

	static class Streams {

		static final IllegalStateException FAILURE = new IllegalStateException("boom");

		private final AtomicInteger calls = new AtomicInteger();

		public AtomicInteger calls() {
			return this.calls;
		}

		@Blocking
		public Publisher<String> publisher() {
			this.calls.incrementAndGet();
			String thread = Thread.currentThread().getName();
			return Flux.just(thread, thread);
		}

		@Blocking
		public java.util.concurrent.Flow.Publisher<String> jdkFlow() {
			this.calls.incrementAndGet();
			return JdkFlowAdapter.publisherToFlowPublisher(Flux.just(Thread.currentThread().getName()));
		}

		@Blocking
		public Publisher<String> failing() {
			throw FAILURE;
		}

		@Blocking(timeout = "200ms")
		public Publisher<String> slow() throws InterruptedException {
			new CountDownLatch(1).await(5, TimeUnit.SECONDS);
			return Flux.just("late");
		}

		@Blocking
		public String plain() {
			return "plain";
		}

	}

}
