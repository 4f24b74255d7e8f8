package dev.bridge;

/**
 * A {@link Blocking} annotation that cannot work as written: the method cannot be
 * intercepted by a Spring proxy, names an unknown pool, or has an unparsable timeout. Thrown
 * at start-up; the message names the class, the method and the fix.
 */
public class InvalidBlockingMethodException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	/** The annotated class or method, as {@code com.example.Service.method(..)}. */
	private final String target;

	/** Why the annotation cannot work as written. */
	private final String problem;

	/** What to change to make the annotation work. */
	private final String fix;

	/**
	 * Create an exception whose message names the target, the problem and the fix.
	 * @param target the annotated class or method
	 * @param problem why the annotation cannot work as written
	 * @param fix what to change to make it work
	 */
	public InvalidBlockingMethodException(String target, String problem, String fix) {
		super("@Blocking on " + target + " " + problem + ". Fix: " + fix);
		this.target = target;
		this.problem = problem;
		this.fix = fix;
	}

	/**
	 * The annotated class or method, as {@code com.example.Service.method(..)}.
	 * @return the target
	 */
	public String getTarget() {
		return this.target;
	}

	/**
	 * Why the annotation cannot work as written.
	 * @return the problem
	 */
	public String getProblem() {
		return this.problem;
	}

	/**
	 * What to change to make the annotation work.
	 * @return the fix
	 */
	public String getFix() {
		return this.fix;
	}

}
