package dev.bridge.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.context.ContextRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.bridge.BlockingBridge;
import dev.bridge.BridgeConfigurationException;
import dev.bridge.FailingOnPoolThreads;
import dev.bridge.context.ContextCarrier;
import dev.bridge.offload.WebFluxDispatch;
import dev.bridge.pool.BlockingPool;
import dev.bridge.pool.PoolSettings;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * How {@link PoolTaskExecutor} carries the submitting thread's context: always, and only
 * once. With Reactor's automatic context propagation on, the Reactor scheduler WebFlux hands
 * tasks over through has restored the caller's thread locals already; on a virtual-thread
 * pool (a new thread per task) the executor then adds no second snapshot, while a pooled
 * platform thread still gets its clearing one.
 */
class PoolTaskExecutorContextTests {

	private static final String KEY = "test.executor.tenant";

	private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

	private final AtomicInteger restores = new AtomicInteger();

	private final List<BlockingBridge> bridges = new ArrayList<>();

	@BeforeEach
	void registerAccessor() {
		ContextRegistry.getInstance().registerThreadLocalAccessor(KEY, TENANT::get, (value) -> {
			this.restores.incrementAndGet();
			TENANT.set(value);
		}, TENANT::remove);
	}

	@AfterEach
	void reset() {
		ContextRegistry.getInstance().removeThreadLocalAccessor(KEY);
		Hooks.disableAutomaticContextPropagation();
		this.bridges.forEach(BlockingBridge::close);
	}

	private BlockingPool pool(boolean virtualThreads) {
		BlockingBridge bridge = BlockingBridge.builder()
			.pool(PoolSettings.defaults("ctx").withMaxThreads(2).withVirtualThreads(virtualThreads))
			.build();
		this.bridges.add(bridge);
		return bridge.pool("ctx");
	}

	/**
	 * Restores Reactor alone makes for one hand-over, through an executor that starts a
	 * plain thread per task and carries nothing itself.
	 */
	private int restoresByReactorAlone() {
		String seen = tenantSeenOnThePool((task) -> new Thread(task, "plain").start());
		assertThat(seen).isEqualTo(Hooks.isAutomaticContextPropagationEnabled() ? "acme" : "null");
		int restores = this.restores.get();
		this.restores.set(0);
		return restores;
	}

	/** Hands a task over as WebFlux does, through a Reactor scheduler on the executor. */
	private String tenantSeenOnThePool(Executor executor) {
		TENANT.set("acme");
		try {
			return Mono.fromCallable(() -> String.valueOf(TENANT.get()))
				.subscribeOn(Schedulers.fromExecutor(executor))
				.block(Duration.ofSeconds(10));
		}
		finally {
			TENANT.remove();
		}
	}

	@Test
	void aPlatformPoolRestoresTheCallersContextItselfWhenReactorDoesNot() {
		assertThat(restoresByReactorAlone()).isZero();
		PoolTaskExecutor executor = new PoolTaskExecutor(pool(false), ContextCarrier.global(), false);
		assertThat(tenantSeenOnThePool(executor)).isEqualTo("acme");
		assertThat(this.restores).hasValue(1);
	}

	@Test
	void aPlatformPoolStillRestoresItsClearingSnapshotUnderAutomaticPropagation() {
		Hooks.enableAutomaticContextPropagation();
		int byReactor = restoresByReactorAlone();
		assertThat(byReactor).isPositive();
		PoolTaskExecutor executor = new PoolTaskExecutor(pool(false), ContextCarrier.global(), false);
		assertThat(tenantSeenOnThePool(executor)).isEqualTo("acme");
		// Its own snapshot, then Reactor's inside it (which, when it closes, sets the value of the
		// enclosing snapshot back).
		assertThat(this.restores.get()).isGreaterThan(byReactor);
	}

	@Test
	void aVirtualThreadPoolRestoresTheCallersContextItselfWhenReactorDoesNot() {
		if (Runtime.version().feature() < 21) {
			assertThatExceptionOfType(BridgeConfigurationException.class).isThrownBy(() -> pool(true));
			return;
		}
		assertThat(restoresByReactorAlone()).isZero();
		PoolTaskExecutor executor = new PoolTaskExecutor(pool(true), ContextCarrier.global(), false);
		assertThat(tenantSeenOnThePool(executor)).isEqualTo("acme");
		assertThat(this.restores).hasValue(1);
	}

	@Test
	void aVirtualThreadPoolLeavesTheRestoreToReactorUnderAutomaticPropagation() {
		if (Runtime.version().feature() < 21) {
			assertThatExceptionOfType(BridgeConfigurationException.class).isThrownBy(() -> pool(true));
			return;
		}
		Hooks.enableAutomaticContextPropagation();
		int byReactor = restoresByReactorAlone();
		assertThat(byReactor).isPositive();
		PoolTaskExecutor executor = new PoolTaskExecutor(pool(true), ContextCarrier.global(), false);
		assertThat(tenantSeenOnThePool(executor)).isEqualTo("acme");
		assertThat(this.restores).hasValue(byReactor);
	}

	@Test
	void aContextAccessorThatFailsOnThePoolThreadFailsTheBlockingHandlerInsteadOfLeavingTheRequestUnanswered() {
		FailingOnPoolThreads failing = new FailingOnPoolThreads();
		ThreadLocal<String> bad = failing.threadLocal();
		ContextRegistry registry = new ContextRegistry().registerThreadLocalAccessor(failing);
		PoolTaskExecutor executor = new PoolTaskExecutor(pool(false), new ContextCarrier(registry), true);
		bad.set("acme");
		try {
			// What the @Blocking aspect does first with a handler WebFlux dispatched: take the mark.
			Mono<String> handler = Mono.fromCallable(() -> WebFluxDispatch.take() ? "ran" : "not dispatched")
				.subscribeOn(Schedulers.fromExecutor(executor));
			StepVerifier.create(handler)
				.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("pool 'ctx'")
					.hasMessageContaining("ThreadLocalAccessor")
					.hasRootCauseMessage("no acme here"))
				.verify(Duration.ofSeconds(5));
		}
		finally {
			bad.remove();
		}
	}

}
