package dev.bridge.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.bridge.BlockingBridge;
import dev.bridge.BlockingCallOnEventLoopException;
import dev.bridge.ClosingBridges;
import dev.bridge.GuardMode;
import dev.bridge.actuate.BridgeEndpoint.BridgeDescriptor;
import dev.bridge.actuate.BridgeEndpoint.PoolDescriptor;
import dev.bridge.aspect.BlockingMethod;
import dev.bridge.aspect.EventLoopGuard;
import dev.bridge.eventloop.LoopStats;
import dev.bridge.eventloop.StallCause;
import dev.bridge.eventloop.StallReport;
import dev.bridge.pool.PoolSettings;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class BridgeEndpointTests {

	@RegisterExtension
	final ClosingBridges bridges = new ClosingBridges();

	private final CountDownLatch release = this.bridges.gate();

	private final BlockingBridge bridge = this.bridges.add(BlockingBridge.builder()
		.pool(PoolSettings.defaults(BlockingBridge.DEFAULT_POOL).withMaxThreads(1).withQueueCapacity(2))
		.pool(PoolSettings.defaults("io")
			.withMaxThreads(8)
			.withQueueCapacity(50)
			.withKeepAlive(Duration.ofSeconds(30))
			.withTimeout(Duration.ofMillis(1500))
			.withInterruptOnCancel(false))
		.awaitTermination(Duration.ofSeconds(5))
		.build());

	@Test
	void describesEachPoolsConfigurationInOrder() {
		BridgeDescriptor descriptor = new BridgeEndpoint(this.bridge, null, null).bridge();
		assertThat(descriptor.closed()).isFalse();
		assertThat(descriptor.pools()).containsOnlyKeys("default", "io");
		assertThat(descriptor.pools().keySet()).containsExactly("default", "io");
		BridgeEndpoint.PoolConfigDescriptor io = descriptor.pools().get("io").config();
		assertThat(io.maxThreads()).isEqualTo(8);
		assertThat(io.queueCapacity()).isEqualTo(50);
		assertThat(io.keepAlive()).isEqualTo("PT30S");
		assertThat(io.timeout()).isEqualTo("PT1.5S");
		assertThat(io.virtualThreads()).isFalse();
		assertThat(io.interruptOnCancel()).isFalse();
		assertThat(descriptor.pools().get("default").config().timeout()).isNull();
	}

	@Test
	void showsEachPoolsLiveFigures() throws InterruptedException {
		CountDownLatch running = new CountDownLatch(1);
		this.bridge.spawn(() -> {
			running.countDown();
			return this.release.await(10, TimeUnit.SECONDS);
		}).subscribe();
		assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
		this.bridge.spawn(() -> "queued").subscribe();
		this.bridge.spawn(() -> "queued").subscribe();
		this.bridge.spawn(() -> "refused").subscribe(null, (ex) -> {
		});
		BridgeEndpoint endpoint = new BridgeEndpoint(this.bridge, null, null);
		PoolDescriptor busy = endpoint.bridge().pools().get("default");
		assertThat(busy.threads()).isEqualTo(1);
		assertThat(busy.active()).isEqualTo(1);
		assertThat(busy.queued()).isEqualTo(2);
		assertThat(busy.rejected()).isEqualTo(1);
		assertThat(busy.saturated()).isTrue();
		this.release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.bridge().pools().get("default").completed() == 3);
		PoolDescriptor idle = endpoint.bridge().pools().get("default");
		assertThat(idle.queued()).isZero();
		assertThat(idle.saturated()).isFalse();
		assertThat(idle.cancelled()).isZero();
	}

	@Test
	void eventLoopsAreEmptyWithoutAWatchdog() {
		BridgeEndpoint.EventLoopsDescriptor loops = new BridgeEndpoint(this.bridge, null, null).bridge().eventLoops();
		assertThat(loops.monitored()).isFalse();
		assertThat(loops.loops()).isEmpty();
		assertThat(loops.recentStalls()).isEmpty();
		assertThat(loops.currentStallSeconds()).isZero();
	}

	@Test
	void showsTheWatchdogsLoopsAndItsLatestTwentyStallReports() {
		LoopStats loop = new LoopStats("reactor-http-epoll-1", "reactor-netty", Duration.ofNanos(250_000),
				Duration.ofMillis(320), 2, Duration.ofMillis(150));
		List<StallReport> stalls = new ArrayList<>();
		for (int i = 0; i < 25; i++) {
			stalls.add(new StallReport(StallReport.Kind.LOOP_STALL, StallCause.BLOCKED, "reactor-http-epoll-1",
					Instant.parse("2025-01-01T00:00:00Z").plusSeconds(25 - i), Duration.ofMillis(200 + i), true,
					List.of("java.lang.Thread.sleep(Native Method)", "com.example.Legacy.call(Legacy.java:12)"),
					List.of("com.example.Legacy.call(Legacy.java:12)"), "loop CPU 1 ms of 200 ms"));
		}
		FixedEventLoopMonitor monitor = new FixedEventLoopMonitor(List.of(loop), stalls, 0.15, 3);
		BridgeEndpoint.EventLoopsDescriptor loops = new BridgeEndpoint(this.bridge, monitor, null).bridge()
			.eventLoops();
		assertThat(loops.monitored()).isTrue();
		assertThat(loops.currentStallSeconds()).isEqualTo(0.15);
		assertThat(loops.blockingCalls()).isEqualTo(3);
		assertThat(loops.loops()).singleElement().satisfies((described) -> {
			assertThat(described.thread()).isEqualTo("reactor-http-epoll-1");
			assertThat(described.group()).isEqualTo("reactor-netty");
			assertThat(described.lastDelayMillis()).isEqualTo(0.25);
			assertThat(described.maxDelayMillis()).isEqualTo(320);
			assertThat(described.stalls()).isEqualTo(2);
			assertThat(described.stalledForMillis()).isEqualTo(150);
		});
		assertThat(loops.recentStalls()).hasSize(BridgeEndpoint.MAX_STALL_REPORTS);
		assertThat(loops.recentStalls().get(0)).satisfies((stall) -> {
			assertThat(stall.kind()).isEqualTo("LOOP_STALL");
			assertThat(stall.thread()).isEqualTo("reactor-http-epoll-1");
			assertThat(stall.startedAt()).isEqualTo("2025-01-01T00:00:25Z");
			assertThat(stall.durationMillis()).isEqualTo(200);
			assertThat(stall.ended()).isTrue();
			assertThat(stall.stack()).contains("com.example.Legacy.call(Legacy.java:12)");
		});
	}

	@Test
	void showsTheGuardsModeAndHitsPerMethod() {
		EventLoopGuard guard = new EventLoopGuard(GuardMode.FAIL);
		BlockingMethod method = new BlockingMethod("LegacyClient.fetch", "default", null, BlockingMethod.Kind.PLAIN);
		for (int i = 0; i < 2; i++) {
			// Schedulers.single() is a NonBlocking thread: an event loop to the guard.
			assertThatExceptionOfType(BlockingCallOnEventLoopException.class)
				.isThrownBy(() -> Mono.fromRunnable(() -> guard.check(method))
					.subscribeOn(Schedulers.single())
					.block(Duration.ofSeconds(10)));
		}
		BridgeEndpoint.GuardDescriptor described = new BridgeEndpoint(this.bridge, null, guard).bridge().guard();
		assertThat(described.active()).isTrue();
		assertThat(described.mode()).isEqualTo("fail");
		assertThat(described.hits()).containsEntry("LegacyClient.fetch", 2L);
	}

	@Test
	void guardIsOffWithoutTheAspect() {
		BridgeEndpoint.GuardDescriptor described = new BridgeEndpoint(this.bridge, null, null).bridge().guard();
		assertThat(described.active()).isFalse();
		assertThat(described.mode()).isEqualTo("off");
		assertThat(described.hits()).isEmpty();
	}

	@Test
	void saysWhenTheBridgeIsClosed() {
		this.bridge.close();
		assertThat(new BridgeEndpoint(this.bridge, null, null).bridge().closed()).isTrue();
	}

}
