package dev.bridge.offload;

import java.util.concurrent.RejectedExecutionException;

/**
 * Marks a task that WebFlux's blocking-execution hook hands to a bridge pool, so that the
 * {@code @Blocking} handler it reaches is recorded as an offloaded call, or, when the pool
 * refused the task, fails with the refusal instead of running. The WebFlux integration marks
 * the task, the {@code @Blocking} aspect takes the mark (then runs the call through
 * {@link Offloader#observe}); neither package knows the other, and the WebFlux integration
 * works without the aspect on the class path.
 */
public final class WebFluxDispatch {

	private static final ThreadLocal<Object> STATE = new ThreadLocal<>();

	private WebFluxDispatch() {
	}

	/**
	 * Wraps a task so that the first {@code @Blocking} method it reaches knows WebFlux
	 * dispatched it to a pool.
	 * @param task the task
	 * @return the marked task
	 */
	public static Runnable mark(Runnable task) {
		return with(task, Boolean.TRUE);
	}

	/**
	 * Wraps a task the pool refused, to run where it was submitted: the first
	 * {@code @Blocking} method it reaches throws the refusal before its body runs, so WebFlux
	 * answers it as an error of the request. Throwing from the executor instead would make
	 * Reactor print a stack trace on the event loop for every refusal.
	 * @param task the task
	 * @param refusal the pool's refusal
	 * @return the task to run in place
	 */
	public static Runnable refused(Runnable task, RejectedExecutionException refusal) {
		return with(task, refusal);
	}

	/**
	 * Wraps a task that cannot run as submitted (the caller's context could not be set on
	 * the pool thread): the first {@code @Blocking} method it reaches throws the failure
	 * before its body runs, so WebFlux answers the request with it instead of never.
	 * @param task the task
	 * @param failure why the task cannot run
	 * @return the task to run instead
	 */
	public static Runnable failed(Runnable task, RuntimeException failure) {
		return with(task, failure);
	}

	private static Runnable with(Runnable task, Object state) {
		return () -> {
			Object previous = STATE.get();
			STATE.set(state);
			try {
				task.run();
			}
			finally {
				if (previous != null) {
					STATE.set(previous);
				}
				else {
					STATE.remove();
				}
			}
		};
	}

	/**
	 * Takes the mark of the current task; only the first {@code @Blocking} method reached
	 * gets it.
	 * @return whether the call was dispatched by WebFlux
	 * @throws RejectedExecutionException if the pool refused the task
	 * @throws RuntimeException the failure of a task that could not run as submitted
	 * ({@link #failed})
	 */
	public static boolean take() {
		Object state = STATE.get();
		if (state == null) {
			return false;
		}
		STATE.remove();
		if (state instanceof RuntimeException failure) {
			throw failure;
		}
		return true;
	}

}
