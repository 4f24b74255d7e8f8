package dev.bridge.offload;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.reactivestreams.Subscription;

import dev.bridge.BlockingBridge;
import dev.bridge.BlockingBridgeShutdownException;
import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.ClosingBridges;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolSettings;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SignalType;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link OffloadLane}: a stream keeps its one pool thread from its subscription
 * until it ends, and is failed when the shutdown drain cuts it short.
 */
class OffloadLaneTests {

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	private final BlockingBridge bridge = this.bridges.add(BlockingBridge.builder()
		.observationRegistry(this.observations)
		.awaitTermination(Duration.ofMillis(200))
		.pool(PoolSettings.defaults("one").withMaxThreads(1).withQueueCapacity(1))
		.build());

	private final Offloader offloader = Offloaders.of(this.bridge);

	@Test
	void streamKeepsItsPoolThreadSoLaterDemandIsServedWhileThePoolIsFull() {
		BlockingPool pool = this.bridge.pool("one");
		List<String> threads = new CopyOnWriteArrayList<>();
		Recorder recorder = new Recorder(1);
		this.offloader
			.flux("one", "test.stream", null,
					() -> Flux.range(1, 10).doOnNext((i) -> threads.add(Thread.currentThread().getName())))
			.subscribe(recorder);
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.items.size() == 1);
		this.bridge.spawn("one", () -> "queued").subscribe();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.queued() == 1);
		long rejectedBefore = pool.rejectedCount();
		StepVerifier.create(this.bridge.spawn("one", () -> "refused"))
			.expectError(BlockingPoolSaturatedException.class)
			.verify(Duration.ofSeconds(5));
		recorder.request(9);
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.terminal.get() != null);
		assertThat(recorder.error.get()).isNull();
		assertThat(recorder.items).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
		assertThat(threads).hasSize(10).containsOnly(threads.get(0));
		assertThat(threads.get(0)).startsWith("bridge-one-");
		assertThat(pool.rejectedCount() - rejectedBefore).isEqualTo(1);
	}

	@Test
	void streamWaitingForDemandFailsWhenTheShutdownDrainEnds() {
		Recorder recorder = new Recorder(1);
		this.offloader.flux("one", "test.stream", null, () -> Flux.range(1, 10)).subscribe(recorder);
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.items.size() == 1);
		this.bridge.close();
		await().atMost(Duration.ofSeconds(5)).until(() -> recorder.terminal.get() != null);
		assertThat(recorder.error.get()).isInstanceOf(BlockingBridgeShutdownException.class)
			.hasMessage("Blocking pool 'one' is shut down (the application is closing) and accepts no new work");
		assertThat(recorder.items).containsExactly(1);
		assertThat(this.bridge.pool("one").abandonedCount()).isEqualTo(1);
		assertThat(this.observations).hasObservationWithNameEqualTo("bridge.blocking").that().hasBeenStopped();
	}

	/**
	 * Requests one item at a time, when told.
	 */
	static final class Recorder extends BaseSubscriber<Integer> {

		final List<Integer> items = new CopyOnWriteArrayList<>();

		final AtomicReference<SignalType> terminal = new AtomicReference<>();

		final AtomicReference<Throwable> error = new AtomicReference<>();

		private final long initial;

		Recorder(long initial) {
			this.initial = initial;
		}

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			request(this.initial);
		}

		@Override
		protected void hookOnNext(Integer value) {
			this.items.add(value);
		}

		@Override
		protected void hookOnError(Throwable throwable) {
			this.error.set(throwable);
		}

		@Override
		protected void hookFinally(SignalType type) {
			this.terminal.set(type);
		}

	}
}
