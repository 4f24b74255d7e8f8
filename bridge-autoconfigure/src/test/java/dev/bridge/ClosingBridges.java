package dev.bridge;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolSettings;

/**
 * Closes every {@link BlockingBridge} and every {@link BlockingPool} a test creates through
 * it, after the test and after the test class's own {@code @AfterEach} methods, newest first,
 * each with a 5-second drain; before that it opens every gate the test took, so that no
 * blocking body keeps a pool thread through the drain.
 * <pre class="code">
 * &#64;RegisterExtension
 * final ClosingBridges bridges = new ClosingBridges();
 *
 * &#64;Test
 * void test() {
 *     BlockingBridge bridge = this.bridges.create(ClosingBridges.small("one", 1, 1));
 *     ...
 * }
 * </pre>
 */
public final class ClosingBridges implements AfterEachCallback {

	private static final Duration DRAIN = Duration.ofSeconds(5);

	/** What closes each bridge and pool, newest first. */
	private final Deque<Runnable> closers = new ArrayDeque<>();

	private final List<CountDownLatch> gates = new CopyOnWriteArrayList<>();

	/**
	 * A bridge with a 5-second drain, the {@code default} pool and the given ones.
	 * @param pools pools to add or replace
	 * @return the bridge, closed after the test
	 */
	public BlockingBridge create(PoolSettings... pools) {
		return create((builder) -> {
			for (PoolSettings pool : pools) {
				builder.pool(pool);
			}
			return builder;
		});
	}

	/**
	 * A bridge configured by the test, starting from a 5-second drain.
	 * @param configuration configures the builder
	 * @return the bridge, closed after the test
	 */
	public BlockingBridge create(UnaryOperator<BlockingBridge.Builder> configuration) {
		return add(configuration.apply(BlockingBridge.builder().awaitTermination(DRAIN)).build());
	}

	/**
	 * Closes a bridge the test built itself after the test.
	 * @param bridge the bridge
	 * @return the bridge
	 */
	public synchronized BlockingBridge add(BlockingBridge bridge) {
		this.closers.push(bridge::close);
		return bridge;
	}

	/**
	 * A pool on its own, without a bridge, that throws the bridge's public exceptions.
	 * @param settings the pool's settings
	 * @return the pool, shut down after the test
	 */
	public BlockingPool pool(PoolSettings settings) {
		return add(new BlockingPool(settings, PublicFailures.get()));
	}

	/**
	 * Shuts down a pool the test built itself after the test.
	 * @param pool the pool
	 * @return the pool
	 */
	public synchronized BlockingPool add(BlockingPool pool) {
		this.closers.push(() -> pool.shutdown(DRAIN));
		return pool;
	}

	/**
	 * A latch for a blocking body to wait on, opened after the test if the test did not.
	 * @return the latch, with a count of one
	 */
	public CountDownLatch gate() {
		CountDownLatch gate = new CountDownLatch(1);
		this.gates.add(gate);
		return gate;
	}

	/**
	 * Settings of a small pool.
	 * @param name the pool name
	 * @param threads its most threads
	 * @param queue its queue capacity
	 * @return the settings
	 */
	public static PoolSettings small(String name, int threads, int queue) {
		return PoolSettings.defaults(name).withMaxThreads(threads).withQueueCapacity(queue);
	}

	@Override
	public void afterEach(ExtensionContext context) {
		this.gates.forEach((gate) -> {
			while (gate.getCount() > 0) {
				gate.countDown();
			}
		});
		this.gates.clear();
		Runnable closer;
		while ((closer = next()) != null) {
			closer.run();
		}
	}

	private synchronized @Nullable Runnable next() {
		return this.closers.poll();
	}

}
