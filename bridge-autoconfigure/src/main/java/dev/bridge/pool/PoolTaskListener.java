package dev.bridge.pool;

/**
 * Hears, on the pool thread, how long each task of a {@link BlockingPool} waited in the
 * queue and how long it ran. It lets a meter binder time the pool without wrapping its
 * executor: the pool must keep executing its own tasks so that cancellation can take a
 * task back out of the queue and shutdown can fail the tasks that never started.
 * <p>
 * Times are {@link System#nanoTime()} differences, the same source as Micrometer's default
 * clock. Implementations must be fast and must not throw: they run on every task.
 *
 * @see BlockingPool#addTaskListener(PoolTaskListener)
 */
public interface PoolTaskListener {

	/**
	 * A task is about to run.
	 * @param waitedNanos time from the hand-over to the pool until now
	 */
	void taskStarting(long waitedNanos);

	/**
	 * A task has finished, normally or with an exception.
	 * @param ranNanos time it ran
	 */
	void taskFinished(long ranNanos);

}
