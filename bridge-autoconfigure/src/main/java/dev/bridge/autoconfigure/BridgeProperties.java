package dev.bridge.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

import dev.bridge.BlockingBridge;
import dev.bridge.BridgeConfigurationException;
import dev.bridge.GuardMode;
import dev.bridge.eventloop.LoopCallRecorder;
import dev.bridge.eventloop.WatchdogSettings;
import dev.bridge.pool.PoolSettings;
import dev.bridge.settings.DurationText;

/**
 * Configuration properties for Bridge. They validate themselves (Spring Boot applies a
 * {@link Validator} that the properties class implements), so a bad value fails start-up
 * with Boot's failure analysis naming the property, its value and where it came from. Keys
 * under {@code bridge.pools} that bind to nothing (a misspelt setting, a pool name with a dot
 * or a space) fail start-up too, instead of being ignored.
 */
@ConfigurationProperties("bridge")
public class BridgeProperties implements Validator, EnvironmentAware, InitializingBean {

	/**
	 * What a pool name may hold: characters that bind as one key of {@code bridge.pools}.
	 */
	static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9_-]+");

	private static final String POOLS_PREFIX = "bridge.pools";

	/** Pool settings in relaxed form (lower case, no dashes or underscores). */
	private static final Set<String> POOL_SETTINGS = Set.of("maxthreads", "queuecapacity", "keepalive", "timeout",
			"virtualthreads", "interruptoncancel");

	private @Nullable Environment environment;

	/**
	 * Shortest watchdog interval and threshold: below it the probes alone keep the event
	 * loops busy.
	 */

	/**
	 * Whether Bridge is enabled.
	 */
	private boolean enabled = true;

	/**
	 * Bounded blocking pools by name; "default" always exists.
	 */
	private final Map<String, Pool> pools = new LinkedHashMap<>();

	private final Shutdown shutdown = new Shutdown();

	private final Guard guard = new Guard();

	private final Eventloop eventloop = new Eventloop();

	private final Blockhound blockhound = new Blockhound();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Map<String, Pool> getPools() {
		return this.pools;
	}

	public Shutdown getShutdown() {
		return this.shutdown;
	}

	public Guard getGuard() {
		return this.guard;
	}

	public Eventloop getEventloop() {
		return this.eventloop;
	}

	public Blockhound getBlockhound() {
		return this.blockhound;
	}

	/**
	 * Boot calls this validator for each bound object it supports, so field errors are
	 * reported against the full property name (for example
	 * {@code bridge.pools.images.max-threads}) with the value's origin.
	 */
	@Override
	public boolean supports(Class<?> type) {
		return type == Pool.class || type == Shutdown.class || type == Eventloop.Watchdog.class
				|| type == Eventloop.CallSites.class;
	}

	@Override
	public void validate(Object target, Errors errors) {
		if (target instanceof Pool pool) {
			for (PoolSettings.Violation violation : PoolSettings.check(pool.maxThreads, pool.queueCapacity,
					pool.keepAlive, pool.timeout)) {
				errors.rejectValue(violation.field(), "invalid", violation.reason());
			}
		}
		else if (target instanceof Shutdown shutdown) {
			reject(errors, "awaitTermination", DurationText.problem(shutdown.awaitTermination, Duration.ZERO));
		}
		else if (target instanceof Eventloop.Watchdog watchdog) {
			reject(errors, "interval", WatchdogSettings.intervalProblem(watchdog.interval));
			reject(errors, "threshold", WatchdogSettings.thresholdProblem(watchdog.threshold));
			reject(errors, "startupGrace", WatchdogSettings.startupGraceProblem(watchdog.startupGrace));
		}
		else if (target instanceof Eventloop.CallSites callSites) {
			reject(errors, "threshold", LoopCallRecorder.thresholdProblem(callSites.threshold));
		}
	}

	private static void reject(Errors errors, String field, @Nullable String problem) {
		if (problem != null) {
			errors.rejectValue(field, "invalid", problem);
		}
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = environment;
	}

	/**
	 * Checks the raw {@code bridge.pools.*} keys, which binding alone would drop silently.
	 * Environment variables are not checked: their names cannot tell a pool name from a
	 * setting.
	 */
	@Override
	public void afterPropertiesSet() {
		if (!(this.environment instanceof ConfigurableEnvironment configurable)) {
			return;
		}
		for (PropertySource<?> source : configurable.getPropertySources()) {
			if (source instanceof EnumerablePropertySource<?> enumerable
					&& !(source instanceof SystemEnvironmentPropertySource)) {
				for (String name : enumerable.getPropertyNames()) {
					checkPoolKey(name);
				}
			}
		}
	}

	/**
	 * Fails for a key under {@code bridge.pools} that names an invalid pool or an unknown
	 * setting.
	 * @param property the key as written
	 * @throws BridgeConfigurationException for such a key
	 */
	static void checkPoolKey(String property) {
		if (!property.regionMatches(true, 0, POOLS_PREFIX, 0, POOLS_PREFIX.length())) {
			return;
		}
		String rest = property.substring(POOLS_PREFIX.length());
		String pool;
		String setting;
		if (rest.startsWith("[")) {
			int end = rest.indexOf(']');
			if (end < 0) {
				return;
			}
			pool = rest.substring(1, end);
			setting = rest.substring(end + 1);
			setting = setting.startsWith(".") ? setting.substring(1) : setting;
		}
		else if (rest.startsWith(".")) {
			int dot = rest.indexOf('.', 1);
			pool = (dot < 0) ? rest.substring(1) : rest.substring(1, dot);
			setting = (dot < 0) ? "" : rest.substring(dot + 1);
		}
		else {
			return;
		}
		if (!POOL_NAME.matcher(pool).matches()) {
			throw new BridgeConfigurationException(property, "names pool '" + pool + "', which is not a valid pool name",
					"name pools with letters, digits, '-' and '_' only, as in bridge.pools.my-pool.max-threads");
		}
		if (!POOL_SETTINGS.contains(setting.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT))) {
			String problem = "is not a setting of pool '" + pool + "'"
					+ (setting.contains(".") ? " (a pool name cannot contain dots)" : "");
			throw new BridgeConfigurationException(property, problem,
					"use one of bridge.pools." + pool + ".max-threads, queue-capacity, keep-alive, timeout, "
							+ "virtual-threads or interrupt-on-cancel, and name pools with letters, digits, '-' "
							+ "and '_' only");
		}
	}

	/**
	 * Settings of every pool, "default" first.
	 * @return the settings by pool name
	 */
	public Map<String, PoolSettings> poolSettings() {
		Map<String, PoolSettings> settings = new LinkedHashMap<>();
		settings.put(BlockingBridge.DEFAULT_POOL, PoolSettings.defaults(BlockingBridge.DEFAULT_POOL));
		this.pools.forEach((name, pool) -> settings.put(name, pool.toSettings(name)));
		return settings;
	}

	/**
	 * One bounded pool.
	 */
	public static class Pool {

		/**
		 * Most threads; they are created on demand up to this number before anything queues,
		 * and retire after keep-alive. Defaults to max(10 x CPUs, 200).
		 */
		private int maxThreads = PoolSettings.DEFAULT_MAX_THREADS;

		/**
		 * Most tasks waiting for a thread; a task beyond it is refused with
		 * BlockingPoolSaturatedException (HTTP 503). 0 hands tasks directly to threads.
		 */
		private int queueCapacity = PoolSettings.DEFAULT_QUEUE_CAPACITY;

		/**
		 * How long an idle thread lives before it retires.
		 */
		private Duration keepAlive = PoolSettings.DEFAULT_KEEP_ALIVE;

		/**
		 * Default per-call timeout; none when unset.
		 */
		private @Nullable Duration timeout;

		/**
		 * Whether tasks run on virtual threads, with the same bound on concurrency and queue.
		 * Needs Java 21 or newer.
		 */
		private boolean virtualThreads;

		/**
		 * Whether a running task is interrupted when its subscriber cancels. A queued task
		 * is always removed.
		 */
		private boolean interruptOnCancel = true;

		public int getMaxThreads() {
			return this.maxThreads;
		}

		public void setMaxThreads(int maxThreads) {
			this.maxThreads = maxThreads;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public Duration getKeepAlive() {
			return this.keepAlive;
		}

		public void setKeepAlive(Duration keepAlive) {
			this.keepAlive = keepAlive;
		}

		public @Nullable Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(@Nullable Duration timeout) {
			this.timeout = timeout;
		}

		public boolean isVirtualThreads() {
			return this.virtualThreads;
		}

		public void setVirtualThreads(boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
		}

		public boolean isInterruptOnCancel() {
			return this.interruptOnCancel;
		}

		public void setInterruptOnCancel(boolean interruptOnCancel) {
			this.interruptOnCancel = interruptOnCancel;
		}

		PoolSettings toSettings(String name) {
			return new PoolSettings(name, this.maxThreads, this.queueCapacity, this.keepAlive, this.timeout,
					this.virtualThreads, this.interruptOnCancel);
		}

	}

	/**
	 * Shutdown of the pools.
	 */
	public static class Shutdown {

		/**
		 * How long queued and running tasks may finish when the application closes; what is
		 * left is then interrupted and counted as abandoned.
		 */
		private Duration awaitTermination = Duration.ofSeconds(30);

		public Duration getAwaitTermination() {
			return this.awaitTermination;
		}

		public void setAwaitTermination(Duration awaitTermination) {
			this.awaitTermination = awaitTermination;
		}

	}

	/**
	 * Guard for @Blocking methods with a plain return type called on an event loop.
	 */
	public static class Guard {

		/**
		 * What a @Blocking method with a plain return type does when called on an event
		 * loop: fail (throw), warn (log once per method, count, run inline) or off. Prefer
		 * fail in tests.
		 */
		private GuardMode mode = GuardMode.WARN;

		public GuardMode getMode() {
			return this.mode;
		}

		public void setMode(GuardMode mode) {
			this.mode = mode;
		}

	}

	/**
	 * Event loops.
	 */
	public static class Eventloop {

		private final Watchdog watchdog = new Watchdog();

		private final CallSites callSites = new CallSites();

		public Watchdog getWatchdog() {
			return this.watchdog;
		}

		public CallSites getCallSites() {
			return this.callSites;
		}

		/**
		 * Recording of calls on event loops, however short, with JDK Flight Recorder.
		 */
		public static class CallSites {

			/**
			 * Whether calls on event-loop threads (blocking calls above the threshold, and CPU
			 * samples) are recorded with JDK Flight Recorder event streaming and listed as
			 * call sites in /actuator/bridge. Needs no agent and no JVM flag.
			 */
			private boolean enabled;

			/**
			 * Shortest blocking call (sleep, socket or file I/O, lock, park) that is recorded.
			 */
			private Duration threshold = Duration.ofMillis(1);

			public boolean isEnabled() {
				return this.enabled;
			}

			public void setEnabled(boolean enabled) {
				this.enabled = enabled;
			}

			public Duration getThreshold() {
				return this.threshold;
			}

			public void setThreshold(Duration threshold) {
				this.threshold = threshold;
			}

		}

		/**
		 * Event-loop stall watchdog.
		 */
		public static class Watchdog {

			/**
			 * Whether the watchdog probes the event loops.
			 */
			private boolean enabled = true;

			/**
			 * Probe period; at least 1ms.
			 */
			private Duration interval = Duration.ofMillis(50);

			/**
			 * Probe delay that counts as a stall; blocked and busy stalls are reported with the
			 * frames to blame, starved ones without.
			 */
			private Duration threshold = Duration.ofMillis(100);

			/**
			 * Time after start-up during which no stall is reported.
			 */
			private Duration startupGrace = Duration.ofSeconds(5);

			public boolean isEnabled() {
				return this.enabled;
			}

			public void setEnabled(boolean enabled) {
				this.enabled = enabled;
			}

			public Duration getInterval() {
				return this.interval;
			}

			public void setInterval(Duration interval) {
				this.interval = interval;
			}

			public Duration getThreshold() {
				return this.threshold;
			}

			public void setThreshold(Duration threshold) {
				this.threshold = threshold;
			}

			public Duration getStartupGrace() {
				return this.startupGrace;
			}

			public void setStartupGrace(Duration startupGrace) {
				this.startupGrace = startupGrace;
			}

			/**
			 * The settings record the watchdog takes.
			 * @return the settings
			 */
			public WatchdogSettings toSettings() {
				return new WatchdogSettings(this.interval, this.threshold, this.startupGrace);
			}

		}

	}

	/**
	 * BlockHound integration.
	 */
	public static class Blockhound {

		/**
		 * Whether to install BlockHound, allowing the bridge pools and reporting blocking
		 * calls on event loops through the watchdog's channel. Needs the JVM flag
		 * -XX:+AllowRedefinitionToAddDeleteMethods on JDK 13 and newer.
		 */
		private boolean enabled;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}
