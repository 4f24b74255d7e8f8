package dev.bridge;

/**
 * A blocking call threw an {@link Error} that Reactor treats as fatal to the JVM
 * ({@link VirtualMachineError} such as {@link StackOverflowError} or
 * {@link OutOfMemoryError}, {@link LinkageError} such as {@link NoClassDefFoundError}).
 * Reactor does not deliver such errors as signals: it throws them on whatever thread meets
 * them, and the caller would wait forever. Bridge delivers this exception instead, with the
 * error as its {@linkplain #getCause() cause}, and logs the error once with its stack. In a
 * WebFlux application this becomes HTTP 500.
 */
public class BlockingFatalErrorException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The name of the pool the failed call ran on. */
	private final String pool;

	/**
	 * Create an exception that carries a JVM-fatal error to the caller.
	 * @param pool the name of the pool the call ran on
	 * @param call a description of the call, such as the method name
	 * @param error the fatal error, kept as the cause
	 */
	public BlockingFatalErrorException(String pool, String call, Error error) {
		super("Blocking call " + call + " on pool '" + pool + "' failed with " + error.getClass().getName()
				+ ", an error Reactor treats as fatal; it is this exception's cause", error);
		this.pool = pool;
	}

	/**
	 * The pool the failed call ran on.
	 * @return the pool name
	 */
	public String getPool() {
		return this.pool;
	}

}
