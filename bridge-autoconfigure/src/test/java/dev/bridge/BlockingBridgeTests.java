package dev.bridge;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.MDC;

import dev.bridge.pool.PoolSettings;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link BlockingBridge}: spawn, batching, blockOn, pools, cancellation, timeouts,
 * saturation and shutdown.
 */
class BlockingBridgeTests {

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	@AfterEach
	void clearMdc() {
		MDC.clear();
	}

	@Test
	void spawnRunsOnANamedDaemonPoolThreadThatIsNotNonBlocking() {
		BlockingBridge bridge = this.bridges.create();
		StepVerifier.create(bridge.spawn(Thread::currentThread)).assertNext((thread) -> {
			assertThat(thread.getName()).startsWith("bridge-default-");
			assertThat(thread.isDaemon()).isTrue();
			assertThat(thread).isNotInstanceOf(NonBlocking.class);
		}).verifyComplete();
	}

	@Test
	void spawnIsLazyUntilSubscribed() {
		BlockingBridge bridge = this.bridges.create();
		AtomicInteger calls = new AtomicInteger();
		Mono<Integer> mono = bridge.spawn(calls::incrementAndGet);
		assertThat(calls).hasValue(0);
		StepVerifier.create(mono).expectNext(1).verifyComplete();
	}

	@Test
	void spawnOfNullCompletesEmpty() {
		StepVerifier.create(this.bridges.create().spawn(() -> null)).verifyComplete();
	}

	@Test
	void spawnOnANamedPoolUsesItsThreads() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("images", 2, 4));
		StepVerifier.create(bridge.spawn("images", () -> Thread.currentThread().getName()))
			.assertNext((name) -> assertThat(name).startsWith("bridge-images-"))
			.verifyComplete();
	}

	@Test
	void spawnOnAnUnknownPoolNamesTheKnownOnesAndTheFix() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("images", 2, 4));
		assertThatExceptionOfType(UnknownBlockingPoolException.class).isThrownBy(() -> bridge.spawn("imgs", () -> 1))
			.withMessage("No blocking pool named 'imgs'; configured pools are [default, images]. "
					+ "Define it with bridge.pools.imgs.max-threads=... or use one of the configured names");
	}

	@Test
	void exceptionsFromTheTaskReachTheSubscriberUnchanged() {
		IllegalStateException failure = new IllegalStateException("boom");
		StepVerifier.create(this.bridges.create().spawn(() -> {
			throw failure;
		})).expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(failure)).verify(Duration.ofSeconds(5));
	}

	@Test
	void checkedExceptionsAndErrorsReachTheSubscriberUnchangedAndFatalErrorsWrapped() {
		BlockingBridge bridge = this.bridges.create();
		Exception checked = new java.io.IOException("disk");
		AssertionError assertion = new AssertionError("broken");
		StackOverflowError fatal = new StackOverflowError("deep");
		StepVerifier.create(bridge.spawn(() -> {
			throw checked;
		})).expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(checked)).verify(Duration.ofSeconds(5));
		StepVerifier.create(bridge.spawn(() -> {
			throw assertion;
		})).expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(assertion)).verify(Duration.ofSeconds(5));
		StepVerifier.create(bridge.spawn(() -> {
			throw fatal;
		}))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(BlockingFatalErrorException.class)
				.hasMessage("Blocking call BlockingBridge.spawn on pool 'default' failed with "
						+ "java.lang.StackOverflowError, an error Reactor treats as fatal; it is this exception's cause")
				.cause()
				.isSameAs(fatal))
			.verify(Duration.ofSeconds(5));
		StepVerifier.create(bridge.spawn(() -> "still works")).expectNext("still works").verifyComplete();
	}

	@Test
	void poolTimeoutFailsWithBlockingTimeoutExceptionAndInterruptsTheTask() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("slow", 1, 10).withTimeout(Duration.ofMillis(100)));
		CountDownLatch interrupted = new CountDownLatch(1);
		StepVerifier.create(bridge.spawn("slow", () -> {
			try {
				new CountDownLatch(1).await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
			return "late";
		}))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(BlockingTimeoutException.class)
				.hasMessage("Blocking call BlockingBridge.spawn on pool 'slow' did not complete within 100ms; "
						+ "raise @Blocking(timeout = ...) or bridge.pools.slow.timeout, or make the call faster"))
			.verify(Duration.ofSeconds(5));
		await().atMost(Duration.ofSeconds(5)).until(() -> interrupted.getCount() == 0);
		StepVerifier.create(bridge.spawn("slow", () -> "slot free")).expectNext("slot free").verifyComplete();
	}

	@Test
	void spawnBatchedRunsOneTaskPerBatchAndKeepsOrder() {
		BlockingBridge bridge = this.bridges.create();
		AtomicInteger tasks = new AtomicInteger();
		Flux<Integer> results = bridge.spawnBatched(Flux.range(0, 1000), 100, (batch) -> {
			tasks.incrementAndGet();
			assertThat(Thread.currentThread().getName()).startsWith("bridge-default-");
			return batch.stream().map((i) -> i * 2).toList();
		});
		StepVerifier.create(results.collectList())
			.assertNext((list) -> assertThat(list).containsExactlyElementsOf(
					Flux.range(0, 1000).map((i) -> i * 2).collectList().block()))
			.verifyComplete();
		assertThat(tasks).hasValue(10);
	}

	@Test
	void spawnBatchedWithConcurrencyRunsThatManyBatchesAtOnceAndKeepsOrder() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("batch", 8, 100));
		AtomicInteger running = new AtomicInteger();
		AtomicInteger most = new AtomicInteger();
		// The first four batches wait until all four run at once: with less concurrency they
		// would wait out the latch one after another.
		CountDownLatch fourRunning = new CountDownLatch(4);
		Flux<Integer> results = bridge.spawnBatched("batch", Flux.range(0, 500), 7, 4, (batch) -> {
			most.accumulateAndGet(running.incrementAndGet(), Math::max);
			fourRunning.countDown();
			try {
				fourRunning.await(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			running.decrementAndGet();
			return batch.stream().map((i) -> i + 1).toList();
		});
		StepVerifier.create(results.collectList())
			.assertNext((list) -> assertThat(list).isSorted().hasSize(500).startsWith(1).endsWith(500))
			.verifyComplete();
		assertThat(fourRunning.getCount()).isZero();
		assertThat(most).hasValue(4);
	}

	@Test
	void spawnBatchedRejectsANonPositiveBatchSize() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.bridges.create().spawnBatched(Flux.just(1), 0, (b) -> b))
			.withMessage("batchSize must be strictly positive, was 0");
	}

	@Test
	void blockOnReturnsTheValueOffAnEventLoop() {
		assertThat(this.bridges.create().blockOn(Mono.just("value"))).isEqualTo("value");
	}

	@Test
	void blockOnWithTimeoutFailsWithBlockingTimeoutException() {
		assertThatExceptionOfType(BlockingTimeoutException.class)
			.isThrownBy(() -> this.bridges.create().blockOn(Mono.never(), Duration.ofMillis(50)));
	}

	@Test
	void blockOnOnAnEventLoopThrowsInsteadOfBlocking() {
		BlockingBridge bridge = this.bridges.create();
		Mono<Object> onLoop = Mono.fromCallable(() -> bridge.blockOn(Mono.never()))
			.subscribeOn(Schedulers.parallel());
		StepVerifier.create(onLoop)
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(BlockingCallOnEventLoopException.class)
				.hasMessageStartingWith("BlockingBridge.blockOn() was called on event-loop thread 'parallel-")
				.hasMessageContaining("Compose the Mono instead"))
			.verify(Duration.ofSeconds(5));
	}

	@Test
	void blockOnCarriesTheCallersMdcIntoSpawnedWork() {
		BlockingBridge bridge = this.bridges.create();
		MDC.put("request", "r-1");
		assertThat(bridge.blockOn(bridge.spawn(() -> MDC.get("request")))).isEqualTo("r-1");
	}

	@Test
	void callersMdcIsVisibleInsideAndNotLeftOnThePoolThread() {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		MDC.put("traceId", "abc");
		Mono<String> seen = bridge.spawn("one", () -> MDC.get("traceId"));
		MDC.clear();
		StepVerifier.create(seen).expectNext("abc").verifyComplete();
		StepVerifier.create(bridge.spawn("one", () -> String.valueOf(MDC.get("traceId"))))
			.expectNext("null")
			.verifyComplete();
	}

	@Test
	void closeDrainsQueuedAndRunningTasksWithinTheAwaitPeriod() throws Exception {
		BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 10));
		CountDownLatch gate = this.bridges.gate();
		CountDownLatch started = new CountDownLatch(1);
		List<String> results = new java.util.concurrent.CopyOnWriteArrayList<>();
		bridge.spawn("one", () -> {
			started.countDown();
			gate.await(10, TimeUnit.SECONDS);
			return "running";
		}).subscribe(results::add);
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		bridge.spawn("one", () -> "queued").subscribe(results::add);
		Thread closer = new Thread(bridge::close);
		closer.start();
		await().atMost(Duration.ofSeconds(5)).until(bridge::isClosed);
		StepVerifier.create(bridge.spawn("one", () -> "late"))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(BlockingBridgeShutdownException.class)
				.hasMessage("Blocking pool 'one' is shut down (the application is closing) and accepts no new work"))
			.verify(Duration.ofSeconds(5));
		gate.countDown();
		closer.join(10_000);
		assertThat(results).containsExactly("running", "queued");
		assertThat(bridge.pool("one").abandonedCount()).isZero();
	}

	@Test
	void closeInterruptsWhatOutlivesTheAwaitPeriodAndFailsTasksThatNeverStarted() throws Exception {
		BlockingBridge bridge = BlockingBridge.builder()
			.awaitTermination(Duration.ofMillis(100))
			.pool(ClosingBridges.small("one", 1, 10))
			.build();
		this.bridges.add(bridge);
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		bridge.spawn("one", () -> {
			started.countDown();
			try {
				new CountDownLatch(1).await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
			return "stuck";
		}).subscribe();
		assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
		AtomicReference<Throwable> queuedError = new AtomicReference<>();
		bridge.spawn("one", () -> "never").subscribe((value) -> {
		}, queuedError::set);
		bridge.close();
		assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(queuedError.get()).isInstanceOf(BlockingBridgeShutdownException.class)
			.hasMessageContaining("is shut down");
		assertThat(bridge.pool("one").abandonedCount()).isEqualTo(2);
	}

}
