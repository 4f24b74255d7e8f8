package dev.bridge.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.bridge.BlockingBridge;
import dev.bridge.ClosingBridges;
import dev.bridge.eventloop.LoopStats;
import dev.bridge.pool.PoolSettings;

import static org.assertj.core.api.Assertions.assertThat;

class BridgeHealthIndicatorTests {

	private static final Duration THRESHOLD = Duration.ofMillis(100);

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private final CountDownLatch release = this.bridges.gate();

	private final BlockingBridge bridge = this.bridges.add(BlockingBridge.builder()
		.pool(PoolSettings.defaults(BlockingBridge.DEFAULT_POOL).withMaxThreads(1).withQueueCapacity(1))
		.awaitTermination(Duration.ofSeconds(5))
		.build());

	@Test
	void isUpWithEachPoolsSaturationInTheDetails() {
		Health health = new BridgeHealthIndicator(this.bridge, null, THRESHOLD).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(poolDetails(health, "default")).containsEntry("queued", 0)
			.containsEntry("queueCapacity", 1)
			.containsEntry("active", 0)
			.containsEntry("maxThreads", 1)
			.containsEntry("saturated", false);
		assertThat(health.getDetails()).doesNotContainKey("warnings");
		assertThat(details(health, "eventLoops")).containsEntry("monitored", false);
	}

	@Test
	void saturatedPoolStaysUpAndShowsInTheDetails() throws InterruptedException {
		CountDownLatch running = new CountDownLatch(1);
		this.bridge.spawn(() -> {
			running.countDown();
			return this.release.await(10, TimeUnit.SECONDS);
		}).subscribe();
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		this.bridge.spawn(() -> "queued").subscribe();
		Health health = new BridgeHealthIndicator(this.bridge, null, THRESHOLD).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(poolDetails(health, "default")).containsEntry("queued", 1)
			.containsEntry("active", 1)
			.containsEntry("saturated", true);
		assertThat(warnings(health)).singleElement()
			.asString()
			.contains("pool 'default' is saturated (queued 1/1, active 1/1)")
			.contains("bridge.pools.default.max-threads");
	}

	@Test
	void loopStalledPastTheThresholdStaysUpAndShowsInTheDetails() {
		FixedEventLoopMonitor monitor = new FixedEventLoopMonitor(
				List.of(loop("reactor-http-epoll-1", Duration.ofMillis(350)),
						loop("reactor-http-epoll-2", Duration.ofMillis(40)), loop("parallel-1", Duration.ZERO)),
				List.of(), 0.35, 0);
		Health health = new BridgeHealthIndicator(this.bridge, monitor, THRESHOLD).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		Map<String, Object> loops = details(health, "eventLoops");
		assertThat(loops).containsEntry("monitored", true).containsEntry("currentStallSeconds", 0.35);
		assertThat(loops.get("stalled")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsOnlyKeys("reactor-http-epoll-1");
		assertThat(warnings(health)).singleElement()
			.asString()
			.contains("event loop 'reactor-http-epoll-1' has been stalled for 350 ms (threshold 100 ms)");
	}

	@Test
	void quietLoopsShowNoStall() {
		FixedEventLoopMonitor monitor = FixedEventLoopMonitor.quiet(List.of(loop("parallel-1", Duration.ZERO)));
		Health health = new BridgeHealthIndicator(this.bridge, monitor, THRESHOLD).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(details(health, "eventLoops")).containsEntry("currentStallSeconds", 0.0)
			.containsEntry("stalled", Map.of());
		assertThat(health.getDetails()).doesNotContainKey("warnings");
	}

	@Test
	void isOutOfServiceOnceTheBridgeIsClosed() {
		this.bridge.close();
		Health health = new BridgeHealthIndicator(this.bridge, null, THRESHOLD).health();
		assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		assertThat(health.getDetails()).containsKey("reason");
	}

	private static LoopStats loop(String thread, Duration stalledFor) {
		return new LoopStats(thread, "reactor-netty", Duration.ofMillis(1), Duration.ofMillis(400), 1, stalledFor);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> details(Health health, String key) {
		return (Map<String, Object>) health.getDetails().get(key);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> poolDetails(Health health, String pool) {
		return (Map<String, Object>) details(health, "pools").get(pool);
	}

	@SuppressWarnings("unchecked")
	private static List<String> warnings(Health health) {
		return (List<String>) health.getDetails().get("warnings");
	}

}
