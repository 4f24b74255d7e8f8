package dev.bridge.pool;

import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

/**
 * Wraps each task of a pool before it is queued (to restore a caller's context, for
 * example), and says what to do for a task the pool abandons at shutdown before it
 * started.
 */
public interface PoolTaskDecorator extends UnaryOperator<Runnable> {

	/**
	 * What to run, on the thread closing the pool, for a task that never started, so that
	 * its caller is told. The default has nothing to run.
	 * @param task the undecorated task
	 * @return the action, or {@code null} if the caller cannot be told
	 */
	default @Nullable Runnable abandonAction(Runnable task) {
		return null;
	}

}
