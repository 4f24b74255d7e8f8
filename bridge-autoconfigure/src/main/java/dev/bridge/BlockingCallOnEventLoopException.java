package dev.bridge;

/**
 * Thrown instead of blocking an event-loop thread: the analogue of "Cannot start a runtime
 * from within a runtime". The message names the thread and what to do instead.
 */
public class BlockingCallOnEventLoopException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception with a message that names the thread and the fix.
	 * @param message the detail message
	 */
	public BlockingCallOnEventLoopException(String message) {
		super(message);
	}

	static BlockingCallOnEventLoopException forBlockOn(Thread thread) {
		return new BlockingCallOnEventLoopException("BlockingBridge.blockOn() was called on event-loop thread '"
				+ thread.getName() + "'; waiting here would freeze every connection served by this loop. "
				+ "Compose the Mono instead (map/flatMap and return it), or call blockOn() only from synchronous "
				+ "edges such as main(), a CommandLineRunner or a @Blocking method running on a bridge pool.");
	}

}
