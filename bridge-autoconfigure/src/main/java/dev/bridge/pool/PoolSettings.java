package dev.bridge.pool;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

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

	public PoolSettings {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("pool name must not be empty");
		}
		if (maxThreads <= 0) {
			throw new IllegalArgumentException(
					"bridge.pools." + name + ".max-threads must be strictly positive, was " + maxThreads);
		}
		if (maxThreads > MAX_THREADS_LIMIT) {
			throw new IllegalArgumentException("bridge.pools." + name + ".max-threads must be at most "
					+ MAX_THREADS_LIMIT + ", was " + maxThreads);
		}
		if (queueCapacity < 0) {
			throw new IllegalArgumentException(
					"bridge.pools." + name + ".queue-capacity must be positive or zero, was " + queueCapacity);
		}
		if (keepAlive == null || keepAlive.isNegative() || keepAlive.isZero()) {
			throw new IllegalArgumentException(
					"bridge.pools." + name + ".keep-alive must be strictly positive, was " + keepAlive);
		}
		if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
			throw new IllegalArgumentException(
					"bridge.pools." + name + ".timeout must be strictly positive, was " + timeout);
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

	public PoolSettings withMaxThreads(int maxThreads) {
		return new PoolSettings(this.name, maxThreads, this.queueCapacity, this.keepAlive, this.timeout,
				this.virtualThreads, this.interruptOnCancel);
	}

	public PoolSettings withQueueCapacity(int queueCapacity) {
		return new PoolSettings(this.name, this.maxThreads, queueCapacity, this.keepAlive, this.timeout,
				this.virtualThreads, this.interruptOnCancel);
	}

	public PoolSettings withKeepAlive(Duration keepAlive) {
		return new PoolSettings(this.name, this.maxThreads, this.queueCapacity, keepAlive, this.timeout,
				this.virtualThreads, this.interruptOnCancel);
	}

	public PoolSettings withTimeout(@Nullable Duration timeout) {
		return new PoolSettings(this.name, this.maxThreads, this.queueCapacity, this.keepAlive, timeout,
				this.virtualThreads, this.interruptOnCancel);
	}

	public PoolSettings withVirtualThreads(boolean virtualThreads) {
		return new PoolSettings(this.name, this.maxThreads, this.queueCapacity, this.keepAlive, this.timeout,
				virtualThreads, this.interruptOnCancel);
	}

	public PoolSettings withInterruptOnCancel(boolean interruptOnCancel) {
		return new PoolSettings(this.name, this.maxThreads, this.queueCapacity, this.keepAlive, this.timeout,
				this.virtualThreads, interruptOnCancel);
	}

}
