package dev.bridge.web;

import io.micrometer.context.ContextSnapshot;

import org.springframework.core.task.AsyncTaskExecutor;

import dev.bridge.aspect.WebFluxDispatch;
import dev.bridge.context.ContextCarrier;
import dev.bridge.pool.BlockingPool;

/**
 * A bridge pool as a Spring {@link AsyncTaskExecutor}, for WebFlux's blocking-execution
 * hook. Each task runs with the context of the thread that submitted it. Not registered as a
 * bean: an {@code Executor} bean would make Boot back off its own task executor.
 */
final class PoolTaskExecutor implements AsyncTaskExecutor {

	private final BlockingPool pool;

	private final ContextCarrier contextCarrier;

	PoolTaskExecutor(BlockingPool pool, ContextCarrier contextCarrier) {
		this.pool = pool;
		this.contextCarrier = contextCarrier;
	}

	@Override
	public void execute(Runnable task) {
		ContextSnapshot snapshot = this.contextCarrier.captureThread();
		Runnable dispatched = WebFluxDispatch.mark(task);
		this.pool.scheduler().schedule(() -> {
			try (ContextSnapshot.Scope scope = snapshot.setThreadLocals()) {
				dispatched.run();
			}
		});
	}

	@Override
	public String toString() {
		return "PoolTaskExecutor[" + this.pool.name() + "]";
	}

}
