package dev.bridge.eventloop;

/**
 * Why an event loop did not run the watchdog's probe in time, decided from evidence
 * gathered while the episode lasted: the loop thread's CPU time and state, several samples
 * of its stack, the machine's CPU load and runnable threads against its cores, and the
 * watchdog's own lateness.
 * <p>
 * Only {@link #BLOCKED} and {@link #BUSY} {@link #blamesCode() blame code}: they are logged
 * at WARN with the frames to blame, move the {@code bridge.eventloop.stall} gauge and show
 * in the health details. {@link #STARVED} and {@link #JVM_PAUSE} are the machine's or the
 * JVM's, and are counted and summarised without blaming a line of code.
 */
public enum StallCause {

	/**
	 * The loop waited in code: sleep, lock, socket or file I/O, park.
	 */
	BLOCKED("blocked"),

	/**
	 * The loop ran CPU-heavy code.
	 */
	BUSY("busy"),

	/**
	 * The loop was runnable or idle but got no CPU: the machine or container is overloaded.
	 */
	STARVED("starved"),

	/**
	 * The whole JVM paused (garbage collection, safepoint): the watchdog itself was late.
	 */
	JVM_PAUSE("jvm-pause");

	private final String tagValue;

	StallCause(String tagValue) {
		this.tagValue = tagValue;
	}

	/**
	 * Value of the {@code cause} tag of {@code bridge.eventloop.stalls}, as reports and the
	 * endpoint show it.
	 * @return {@code blocked}, {@code busy}, {@code starved} or {@code jvm-pause}
	 */
	public String tagValue() {
		return this.tagValue;
	}

	/**
	 * Whether code running on the loop is to blame, so that the episode is logged with its
	 * frames, moves the stall gauge and shows in the health details.
	 * @return {@code true} for {@link #BLOCKED} and {@link #BUSY}
	 */
	public boolean blamesCode() {
		return this == BLOCKED || this == BUSY;
	}

	@Override
	public String toString() {
		return this.tagValue;
	}

}
