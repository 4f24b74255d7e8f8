package dev.bridge;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;

import dev.bridge.pool.BlockingPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Tests for {@link ClosingBridges}, run on an example class through JUnit's
 * {@link EngineTestKit}.
 */
class ClosingBridgesTests {

	@Test
	void closesEveryBridgeAndPoolATestCreatedAfterTheTestsOwnAfterEachAndOpensItsGatesFirst() {
		Example.reset();
		EngineTestKit.engine("junit-jupiter")
			.selectors(selectClass(Example.class))
			.execute()
			.testEvents()
			.assertStatistics((stats) -> stats.started(2).succeeded(2));
		assertThat(Example.bridges).hasSize(4).allSatisfy((bridge) -> assertThat(bridge.isClosed()).isTrue());
		assertThat(Example.pools).hasSize(3).allSatisfy((pool) -> assertThat(pool.isClosed()).isTrue());
		assertThat(Example.openAtAfterEach).containsExactly(true, true);
		assertThat(Example.gates).hasSize(2).allSatisfy((gate) -> assertThat(gate.getCount()).isZero());
		assertThat(Example.bodyReleased.getCount()).isZero();
	}

	/**
	 * Two tests, each with a bridge and a pool from fields and one built in the test, one of
	 * them closed by the test itself.
	 */
	static class Example {

		static final List<BlockingBridge> bridges = new CopyOnWriteArrayList<>();

		static final List<BlockingPool> pools = new CopyOnWriteArrayList<>();

		static final List<Boolean> openAtAfterEach = new CopyOnWriteArrayList<>();

		static final List<CountDownLatch> gates = new CopyOnWriteArrayList<>();

		static CountDownLatch bodyReleased = new CountDownLatch(1);

		@RegisterExtension
		final ClosingBridges testBridges = new ClosingBridges();

		private final BlockingBridge bridge = this.testBridges.create(ClosingBridges.small("one", 1, 1));

		private final BlockingPool pool = this.testBridges.pool(ClosingBridges.small("alone", 1, 1));

		static void reset() {
			bridges.clear();
			pools.clear();
			openAtAfterEach.clear();
			gates.clear();
			bodyReleased = new CountDownLatch(1);
		}

		@AfterEach
		void stillOpenHere() {
			openAtAfterEach.add(!this.bridge.isClosed() && !this.pool.isClosed());
		}

		@Test
		void holdsAPoolThreadOnAGate() throws InterruptedException {
			bridges.add(this.bridge);
			pools.add(this.pool);
			bridges.add(this.testBridges.add(BlockingBridge.builder().awaitTermination(Duration.ofSeconds(5)).build()));
			pools.add(this.testBridges.add(new BlockingPool(ClosingBridges.small("built", 1, 1), PublicFailures.get())));
			CountDownLatch gate = this.testBridges.gate();
			gates.add(gate);
			CountDownLatch running = new CountDownLatch(1);
			this.bridge.spawn("one", () -> {
				running.countDown();
				if (gate.await(10, TimeUnit.SECONDS)) {
					bodyReleased.countDown();
				}
				return "done";
			}).subscribe();
			assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
		}

		@Test
		void closesOneBridgeItself() {
			bridges.add(this.bridge);
			pools.add(this.pool);
			BlockingBridge closedHere = this.testBridges.create((builder) -> builder);
			bridges.add(closedHere);
			gates.add(this.testBridges.gate());
			closedHere.close();
		}

	}

}
