package dev.bridge.observation;

/**
 * What tests outside this package may ask of a {@link BlockingCallContext}.
 */
public final class BlockingCallContexts {

	private BlockingCallContexts() {
	}

	/**
	 * Whether {@link BlockingCallMeterObservationHandler} recorded the call (it keeps its
	 * timer sample in the context).
	 * @param context the call's context
	 * @return {@code true} if it did
	 */
	public static boolean recordedByBridge(BlockingCallContext context) {
		return context.sample != null;
	}

}
