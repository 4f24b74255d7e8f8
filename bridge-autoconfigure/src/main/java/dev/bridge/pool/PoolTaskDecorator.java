package dev.bridge.pool;

import java.util.function.UnaryOperator;

/**
 * Wraps each task of a pool before it is queued (to restore a caller's context, for
 * example), and says what to do for a task that is abandoned at shutdown before it started.
 */
public interface PoolTaskDecorator extends UnaryOperator<Runnable> {

	/**
	 * What to run, on the thread closing the pool, for a task that never started. The
	 * default does nothing.
	 * @param task the undecorated task
	 * @return the action
	 */
	default Runnable abandonAction(Runnable task) {
		return () -> {
		};
	}

}
