package dev.bridge.aspect;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.bridge.BlockingCallOnEventLoopException;
import dev.bridge.GuardMode;
import dev.bridge.eventloop.EventLoops;

/**
 * Applies {@code bridge.guard.mode} to {@code @Blocking} methods with a plain return type
 * that are called on an event loop, and counts the hits per method.
 */
public class EventLoopGuard {

	private static final Log logger = LogFactory.getLog(EventLoopGuard.class);

	private final GuardMode mode;

	private final Map<String, LongAdder> hits = new ConcurrentHashMap<>();

	/**
	 * Create a guard that applies the given mode.
	 * @param mode what to do when a plain {@code @Blocking} method runs on an event loop
	 */
	public EventLoopGuard(GuardMode mode) {
		this.mode = mode;
	}

	/**
	 * The mode this guard applies ({@code bridge.guard.mode}).
	 * @return the mode
	 */
	public GuardMode getMode() {
		return this.mode;
	}

	/**
	 * Checks a call about to run inline on the current thread.
	 * @param method the called method
	 * @throws BlockingCallOnEventLoopException in {@code fail} mode on an event loop
	 */
	public void check(BlockingMethod method) {
		if (this.mode == GuardMode.OFF || !EventLoops.isEventLoopThread()) {
			return;
		}
		Thread thread = Thread.currentThread();
		if (this.mode == GuardMode.FAIL) {
			this.hits.computeIfAbsent(method.name(), (key) -> new LongAdder()).increment();
			throw new BlockingCallOnEventLoopException(message(method, thread));
		}
		boolean first = this.hits.putIfAbsent(method.name(), new LongAdder()) == null;
		this.hits.get(method.name()).increment();
		if (first) {
			logger.warn(message(method, thread) + " Running it inline this time; this is logged once per method.");
		}
	}

	private String message(BlockingMethod method, Thread thread) {
		return "@Blocking method " + method.name() + " was called on event-loop thread '" + thread.getName()
				+ "' and returns a plain value, so it cannot be moved off the loop. Return Mono<T> or "
				+ "CompletableFuture<T> from it, or call it through BlockingBridge.spawn(\"" + method.pool()
				+ "\", () -> ...) (bridge.guard.mode=" + this.mode.name().toLowerCase(java.util.Locale.ROOT) + ").";
	}

	/**
	 * Hits per method since start-up.
	 * @return method name to count, sorted by name
	 */
	public Map<String, Long> hits() {
		Map<String, Long> result = new TreeMap<>();
		this.hits.forEach((name, count) -> result.put(name, count.sum()));
		return result;
	}

}
