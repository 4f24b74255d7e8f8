package dev.bridge.aspect;

/**
 * Marks a task that WebFlux's blocking-execution hook runs on a bridge pool, so that the
 * aspect records the {@code @Blocking} handler it reaches as an offloaded call. Free of
 * AspectJ types, so the WebFlux integration can use it without the aspect on the class path.
 */
public final class WebFluxDispatch {

	private static final ThreadLocal<Boolean> DISPATCHED = new ThreadLocal<>();

	private WebFluxDispatch() {
	}

	/**
	 * Wraps a task so that the first {@code @Blocking} method it reaches knows it was
	 * dispatched by WebFlux.
	 * @param task the task
	 * @return the marked task
	 */
	public static Runnable mark(Runnable task) {
		return () -> {
			DISPATCHED.set(Boolean.TRUE);
			try {
				task.run();
			}
			finally {
				DISPATCHED.remove();
			}
		};
	}

	/**
	 * Whether the current call is the one WebFlux dispatched; true only once per task.
	 * @return {@code true} for the dispatched handler
	 */
	static boolean take() {
		if (DISPATCHED.get() == null) {
			return false;
		}
		DISPATCHED.remove();
		return true;
	}

}
