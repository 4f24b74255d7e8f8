package dev.bridge.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.bridge.settings.DurationText;

/**
 * Settings of one bounded pool. Argument checks name the {@code bridge.pools.<name>.*}
 * property so that a bad value is easy to find.
 *
 * @param name pool name, used in thread names ({@code bridge-<name>-<n>}) and meter tags
 * @param maxThreads most threads, created on demand before anything queues
 * @param queueCapacity most tasks waiting for a thread; 0 hands off directly
 * @param keepAlive how long an idle thread lives
 * @param timeout default per-call timeout, {@code null} for none
 * @param virtualThreads whether tasks run on virtual threads (Java 21+)
 * @param interruptOnCancel whether a running task is interrupted when its subscriber cancels
 */
public record PoolSettings(String name, int maxThreads, int queueCapacity, Duration keepAlive,
		@Nullable Duration timeout, boolean virtualThreads, boolean interruptOnCancel) {

	/**
	 * Threads of a pool unless configured: {@code max(10 × CPUs, 200)}, like Tomcat's and
	 * Quarkus's worker pools.
	 */
	public static final int DEFAULT_MAX_THREADS = Math.max(10 * Runtime.getRuntime().availableProcessors(), 200);

	/**
	 * Most threads a pool may have: ForkJoinPool's own cap, and about the default number of
	 * threads a Linux process may start ({@code pid_max} 32 768); beyond it, threads would
	 * fail to start at run time instead of at start-up.
	 */
	public static final int MAX_THREADS_LIMIT = 32_767;

	/**
	 * Queue length of a pool unless configured.
	 */
	public static final int DEFAULT_QUEUE_CAPACITY = 1000;

	/**
	 * Idle thread time-to-live unless configured.
	 */
	public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(60);

	/**
	 * Checks the settings; an invalid value is refused with a message naming its {@code bridge.pools.<name>.*} property.
	 * @param name pool name, used in thread names and meter tags
	 * @param maxThreads most threads
	 * @param queueCapacity most tasks waiting for a thread; 0 hands off directly
	 * @param keepAlive how long an idle thread lives
	 * @param timeout default per-call timeout, {@code null} for none
	 * @param virtualThreads whether tasks run on virtual threads
	 * @param interruptOnCancel whether a running task is interrupted when its subscriber cancels
	 */
	public PoolSettings {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("pool name must not be empty");
		}
		List<Violation> violations = check(maxThreads, queueCapacity, keepAlive, timeout);
		if (!violations.isEmpty()) {
			throw new IllegalArgumentException(violations.get(0).message(name));
		}
	}

	/**
	 * Every rule a pool's values must follow, in one place: the settings check themselves
	 * with it, and the configuration properties report each broken rule against the
	 * property.
	 * @param maxThreads most threads
	 * @param queueCapacity queue length
	 * @param keepAlive idle thread time-to-live
	 * @param timeout default per-call timeout, {@code null} for none
	 * @return the broken rules, empty if none
	 */
	public static List<Violation> check(int maxThreads, int queueCapacity, @Nullable Duration keepAlive,
			@Nullable Duration timeout) {
		List<Violation> violations = new ArrayList<>();
		if (maxThreads <= 0) {
			violations.add(new Violation("maxThreads", "max-threads", "must be strictly positive, was " + maxThreads));
		}
		else if (maxThreads > MAX_THREADS_LIMIT) {
			violations.add(new Violation("maxThreads", "max-threads", "must be at most " + MAX_THREADS_LIMIT
					+ " (about the most threads a process can start), was " + maxThreads));
		}
		if (queueCapacity < 0) {
			violations.add(new Violation("queueCapacity", "queue-capacity",
					"must be positive or zero, was " + queueCapacity));
		}
		String keepAliveProblem = DurationText.problem(keepAlive, Duration.ofNanos(1));
		if (keepAliveProblem != null) {
			violations.add(new Violation("keepAlive", "keep-alive", keepAliveProblem));
		}
		String timeoutProblem = (timeout != null) ? DurationText.problem(timeout, Duration.ofNanos(1)) : null;
		if (timeoutProblem != null) {
			violations.add(new Violation("timeout", "timeout", timeoutProblem));
		}
		return violations;
	}

	/**
	 * One broken rule of a pool's settings.
	 *
	 * @param field the field of the configuration properties' pool group
	 * @param key the property key under {@code bridge.pools.<name>.}
	 * @param reason what is wrong, with the value
	 */
	public record Violation(String field, String key, String reason) {

		/**
		 * The message naming the property as users write it.
		 * @param pool the pool name
		 * @return the message
		 */
		public String message(String pool) {
			return "bridge.pools." + pool + "." + this.key + " " + this.reason;
		}

	}

	/**
	 * Settings with every default and the given name.
	 * @param name the pool name
	 * @return the settings
	 */
	public static PoolSettings defaults(String name) {
		return new PoolSettings(name, DEFAULT_MAX_THREADS, DEFAULT_QUEUE_CAPACITY, DEFAULT_KEEP_ALIVE, null, false,
				true);
	}

	/**
	 * A copy with another thread limit.
	 * @param maxThreads most threads
	 * @return the new settings
	 */
	public PoolSettings withMaxThreads(int maxThreads) {
		return new PoolSettings(this.name, maxThreads, this.queueCapacity, this.keepAlive, this.timeout,
				this.virtualThreads, this.interruptOnCancel);
	}

	/**
	 * A copy with another queue capacity.
	 * @param queueCapacity most tasks waiting for a thread
	 * @return the new settings
	 */
	public PoolSettings withQueueCapacity(int queueCapacity) {
		return new PoolSettings(this.name, this.maxThreads, queueCapacity, this.keepAlive, this.timeout,
				this.virtualThreads, this.interruptOnCancel);
	}

	/**
	 * A copy with another idle thread time-to-live.
	 * @param keepAlive how long an idle thread lives
	 * @return the new settings
	 */
	public PoolSettings withKeepAlive(Duration keepAlive) {
		return new PoolSettings(this.name, this.maxThreads, this.queueCapacity, keepAlive, this.timeout,
				this.virtualThreads, this.interruptOnCancel);
	}

	/**
	 * A copy with another default per-call timeout.
	 * @param timeout the timeout, {@code null} for none
	 * @return the new settings
	 */
	public PoolSettings withTimeout(@Nullable Duration timeout) {
		return new PoolSettings(this.name, this.maxThreads, this.queueCapacity, this.keepAlive, timeout,
				this.virtualThreads, this.interruptOnCancel);
	}

	/**
	 * A copy that runs tasks on virtual threads or not.
	 * @param virtualThreads whether tasks run on virtual threads
	 * @return the new settings
	 */
	public PoolSettings withVirtualThreads(boolean virtualThreads) {
		return new PoolSettings(this.name, this.maxThreads, this.queueCapacity, this.keepAlive, this.timeout,
				virtualThreads, this.interruptOnCancel);
	}

	/**
	 * A copy that interrupts cancelled running tasks or not.
	 * @param interruptOnCancel whether a running task is interrupted when its subscriber cancels
	 * @return the new settings
	 */
	public PoolSettings withInterruptOnCancel(boolean interruptOnCancel) {
		return new PoolSettings(this.name, this.maxThreads, this.queueCapacity, this.keepAlive, this.timeout,
				this.virtualThreads, interruptOnCancel);
	}

}
