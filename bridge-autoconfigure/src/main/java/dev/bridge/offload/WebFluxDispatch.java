package dev.bridge.offload;

import java.util.concurrent.RejectedExecutionException;

import org.jspecify.annotations.Nullable;

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
	 * Marks the task the calling thread starts to run, so that the first {@code @Blocking}
	 * method it reaches knows WebFlux dispatched it to a pool; undo with {@link #exit}. Set by
	 * the task itself rather than by a wrapper around it: a handler on a virtual thread parks
	 * on every frame below it.
	 * @param failure {@code null} for a task that runs as submitted; otherwise why it cannot
	 * (the caller's context could not be set on the pool thread): the first {@code @Blocking}
	 * method it reaches throws it before its body runs, so WebFlux answers the request with
	 * it instead of never
	 * @return the mark to restore when the task ends
	 */
	public static @Nullable Object enter(@Nullable RuntimeException failure) {
		Object previous = STATE.get();
		STATE.set((failure != null) ? failure : Boolean.TRUE);
		return previous;
	}

	/**
	 * Restores the mark {@link #enter} replaced, once the task has ended.
	 * @param previous what {@code enter} returned
	 */
	public static void exit(@Nullable Object previous) {
		if (previous != null) {
			STATE.set(previous);
		}
		else {
			STATE.remove();
		}
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
		return () -> {
			Object previous = enter(refusal);
			try {
				task.run();
			}
			finally {
				exit(previous);
			}
		};
	}

	/**
	 * Takes the mark of the current task; only the first {@code @Blocking} method reached
	 * gets it.
	 * @return whether the call was dispatched by WebFlux
	 * @throws RejectedExecutionException if the pool refused the task
	 * @throws RuntimeException the failure of a task that could not run as submitted
	 * (given to {@link #enter})
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
