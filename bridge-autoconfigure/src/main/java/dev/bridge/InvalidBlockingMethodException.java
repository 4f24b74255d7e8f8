package dev.bridge;

/**
 * A {@link Blocking} annotation that cannot work as written: the method cannot be
 * intercepted by a Spring proxy, names an unknown pool, or has an unparsable timeout. Thrown
 * at start-up; the message names the class, the method and the fix.
 */
public class InvalidBlockingMethodException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String target;

	private final String problem;

	private final String fix;

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

	public String getProblem() {
		return this.problem;
	}

	public String getFix() {
		return this.fix;
	}

}
