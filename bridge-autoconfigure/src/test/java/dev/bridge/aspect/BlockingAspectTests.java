package dev.bridge.aspect;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.MDC;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.Blocking;
import dev.bridge.BlockingCallOnEventLoopException;
import dev.bridge.BlockingTimeoutException;
import dev.bridge.autoconfigure.BridgeAspectAutoConfiguration;
import dev.bridge.autoconfigure.BridgeAutoConfiguration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link BlockingAspect} through real Spring proxies.
 */
@ExtendWith(OutputCaptureExtension.class)
class BlockingAspectTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, BridgeAutoConfiguration.class,
				BridgeAspectAutoConfiguration.class))
		.withPropertyValues("bridge.pools.images.max-threads=2", "bridge.shutdown.await-termination=1s")
		.withBean(Service.class)
		.withBean(TypeLevelService.class);

	@Test
	void monoMethodIsDeferredToSubscriptionAndRunsOnThePool() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			Mono<String> mono = service.mono();
			assertThat(service.calls()).hasValue(0);
			StepVerifier.create(mono).assertNext((thread) -> assertThat(thread).startsWith("bridge-default-"))
				.verifyComplete();
			assertThat(service.calls()).hasValue(1);
		});
	}

	@Test
	void fluxMethodIsDeferredToSubscriptionAndRunsOnThePool() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			Flux<String> flux = service.flux();
			assertThat(service.calls()).hasValue(0);
			StepVerifier.create(flux)
				.assertNext((thread) -> assertThat(thread).startsWith("bridge-default-"))
				.assertNext((thread) -> assertThat(thread).startsWith("bridge-default-"))
				.verifyComplete();
		});
	}

	@Test
	void futureMethodsRunOnThePoolAndCompleteWithTheResult() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			assertThat(service.future().get(5, TimeUnit.SECONDS)).startsWith("bridge-default-");
			assertThat(service.stage().toCompletableFuture().get(5, TimeUnit.SECONDS)).startsWith("bridge-default-");
		});
	}

	@Test
	void methodLevelPoolIsHonoured() {
		this.runner.run((context) -> StepVerifier.create(context.getBean(Service.class).onImages())
			.assertNext((thread) -> assertThat(thread).startsWith("bridge-images-"))
			.verifyComplete());
	}

	@Test
	void typeLevelAnnotationCoversPublicMethodsAndMethodLevelWins() {
		this.runner.run((context) -> {
			TypeLevelService service = context.getBean(TypeLevelService.class);
			StepVerifier.create(service.inherited())
				.assertNext((thread) -> assertThat(thread).startsWith("bridge-default-"))
				.verifyComplete();
			StepVerifier.create(service.overridden())
				.assertNext((thread) -> assertThat(thread).startsWith("bridge-images-"))
				.verifyComplete();
		});
	}

	@Test
	void exceptionsReachTheCallerUnchanged() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(service.failingMono())
				.expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(Service.MONO_FAILURE))
				.verify(Duration.ofSeconds(5));
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> service.failingFuture().get(5, TimeUnit.SECONDS))
				.satisfies((ex) -> assertThat(ex.getCause()).isSameAs(Service.FUTURE_FAILURE));
			assertThatExceptionOfType(IOException.class).isThrownBy(service::failingPlain)
				.isSameAs(Service.PLAIN_FAILURE);
		});
	}

	@Test
	void annotationTimeoutFailsTheCallWithBlockingTimeoutException() {
		this.runner.run((context) -> StepVerifier.create(context.getBean(Service.class).slow())
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(BlockingTimeoutException.class)
				.hasMessageStartingWith("Blocking call Service.slow on pool 'default' did not complete within 100ms"))
			.verify(Duration.ofSeconds(5)));
	}

	@Test
	void callersMdcIsVisibleForEveryReturnType() {
		this.runner.run((context) -> {
			Service service = context.getBean(Service.class);
			MDC.put("requestId", "req-7");
			try {
				Mono<String> mono = service.mdcMono();
				CompletableFuture<String> future = service.mdcFuture();
				StepVerifier.create(mono).expectNext("req-7").verifyComplete();
				assertThat(future.get(5, TimeUnit.SECONDS)).isEqualTo("req-7");
			}
			finally {
				MDC.clear();
			}
		});
	}

	@Test
	void plainMethodRunsInlineOffAnEventLoop() {
		this.runner.withPropertyValues("bridge.guard.mode=fail").run((context) -> {
			assertThat(context.getBean(Service.class).plain()).isEqualTo(Thread.currentThread().getName());
			assertThat(context.getBean(EventLoopGuard.class).hits()).isEmpty();
		});
	}

	@Test
	void plainMethodOnAnEventLoopFailsInFailModeNamingTheMethodAndTheFix() {
		this.runner.withPropertyValues("bridge.guard.mode=fail").run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(Mono.fromCallable(service::plain).subscribeOn(Schedulers.parallel()))
				.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(BlockingCallOnEventLoopException.class)
					.hasMessageStartingWith("@Blocking method Service.plain was called on event-loop thread 'parallel-")
					.hasMessageContaining("Return Mono<T> or CompletableFuture<T> from it")
					.hasMessageEndingWith("(bridge.guard.mode=fail)."))
				.verify(Duration.ofSeconds(5));
			assertThat(context.getBean(EventLoopGuard.class).hits()).containsEntry("Service.plain", 1L);
		});
	}

	@Test
	void plainMethodOnAnEventLoopWarnsOncePerMethodAndRunsInline(CapturedOutput output) {
		this.runner.withPropertyValues("bridge.guard.mode=warn").run((context) -> {
			Service service = context.getBean(Service.class);
			for (int i = 0; i < 3; i++) {
				StepVerifier.create(Mono.fromCallable(service::plain).subscribeOn(Schedulers.parallel()))
					.assertNext((thread) -> assertThat(thread).startsWith("parallel-"))
					.verifyComplete();
			}
			assertThat(context.getBean(EventLoopGuard.class).hits()).containsEntry("Service.plain", 3L);
			assertThat(output.getOut().split("@Blocking method Service.plain was called", -1)).hasSize(2);
		});
	}

	@Test
	void plainMethodOnAnEventLoopIsNotCheckedWhenGuardIsOff() {
		this.runner.withPropertyValues("bridge.guard.mode=off").run((context) -> {
			Service service = context.getBean(Service.class);
			StepVerifier.create(Mono.fromCallable(service::plain).subscribeOn(Schedulers.parallel()))
				.assertNext((thread) -> assertThat(thread).startsWith("parallel-"))
				.verifyComplete();
			assertThat(context.getBean(EventLoopGuard.class).hits()).isEmpty();
		});
	}

	@Test
	void cancellingASubscriberRemovesTheQueuedInvocation() {
		this.runner.withPropertyValues("bridge.pools.default.max-threads=1").run((context) -> {
			Service service = context.getBean(Service.class);
			CountDownLatch release = new CountDownLatch(1);
			service.setGate(release);
			service.blockUntilReleased().subscribe();
			org.awaitility.Awaitility.await().until(() -> service.blockedStarted().getCount() == 0);
			reactor.core.Disposable queued = service.mono().subscribe();
			queued.dispose();
			release.countDown();
			StepVerifier.create(service.mono()).expectNextCount(1).verifyComplete();
			assertThat(service.calls()).hasValue(1);
		});
	}

	static class Service {

		static final IllegalStateException MONO_FAILURE = new IllegalStateException("mono");

		static final IllegalArgumentException FUTURE_FAILURE = new IllegalArgumentException("future");

		static final IOException PLAIN_FAILURE = new IOException("plain");

		final AtomicInteger calls = new AtomicInteger();

		final CountDownLatch blockedStarted = new CountDownLatch(1);

		volatile CountDownLatch gate = new CountDownLatch(0);

		// Accessors: the test holds the CGLIB proxy, whose own fields are never set.
		public AtomicInteger calls() {
			return this.calls;
		}

		public CountDownLatch blockedStarted() {
			return this.blockedStarted;
		}

		public void setGate(CountDownLatch gate) {
			this.gate = gate;
		}

		@Blocking
		public Mono<String> mono() {
			this.calls.incrementAndGet();
			return Mono.just(Thread.currentThread().getName());
		}

		@Blocking
		public Flux<String> flux() {
			this.calls.incrementAndGet();
			return Flux.just(Thread.currentThread().getName(), Thread.currentThread().getName());
		}

		@Blocking
		public CompletableFuture<String> future() {
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

		@Blocking
		public CompletionStage<String> stage() {
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

		@Blocking(pool = "images")
		public Mono<String> onImages() {
			return Mono.just(Thread.currentThread().getName());
		}

		@Blocking
		public String plain() {
			return Thread.currentThread().getName();
		}

		@Blocking
		public Mono<String> failingMono() {
			throw MONO_FAILURE;
		}

		@Blocking
		public CompletableFuture<String> failingFuture() {
			throw FUTURE_FAILURE;
		}

		@Blocking
		public String failingPlain() throws IOException {
			throw PLAIN_FAILURE;
		}

		@Blocking(timeout = "100ms")
		public Mono<String> slow() throws InterruptedException {
			new CountDownLatch(1).await(5, TimeUnit.SECONDS);
			return Mono.just("late");
		}

		@Blocking
		public Mono<Boolean> blockUntilReleased() throws InterruptedException {
			this.blockedStarted.countDown();
			return Mono.just(this.gate.await(10, TimeUnit.SECONDS));
		}

		@Blocking
		public Mono<String> mdcMono() {
			return Mono.justOrEmpty(MDC.get("requestId"));
		}

		@Blocking
		public CompletableFuture<String> mdcFuture() {
			return CompletableFuture.completedFuture(MDC.get("requestId"));
		}

	}

	@Blocking
	static class TypeLevelService {

		public Mono<String> inherited() {
			return Mono.just(Thread.currentThread().getName());
		}

		@Blocking(pool = "images")
		public Mono<String> overridden() {
			return Mono.just(Thread.currentThread().getName());
		}

	}

}
