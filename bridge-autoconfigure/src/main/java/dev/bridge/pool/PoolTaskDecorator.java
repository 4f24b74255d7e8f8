package dev.bridge.pool;

import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

/**
 * Wraps each task of a pool before it is queued (to restore a caller's context, for
 * example), and says what to do for a task the pool abandons before it started.
 */
public interface PoolTaskDecorator extends UnaryOperator<Runnable> {

	/**
	 * What to run for a task that will never start, so that its caller is told: on the
	 * thread closing the pool for a task still queued at shutdown, or on the thread that
	 * found it could not start a task it had accepted. The default has nothing to run.
	 * @param task the undecorated task
	 * @return the action, given the error for the caller (the pool's shutdown, or its
	 * refusal), or {@code null} if the caller cannot be told
	 */
	default @Nullable Consumer<RuntimeException> abandonAction(Runnable task) {
		return null;
	}

}
