package dev.bridge.context;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.springframework.util.ClassUtils;

import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * Captures the caller's context (thread locals known to Micrometer's context-propagation
 * registry: MDC, the current Observation, Spring Security's context, ...; plus values of a
 * Reactor {@link ContextView}) and restores it on a pool thread.
 * <p>
 * The registry and its accessors are Micrometer's; capturing, merging and setting are done
 * here against them, as Micrometer's {@code ContextSnapshot} does (capture every accessor's
 * value; on the pool thread set each one, clearing those without a value; restore them all
 * in reverse order), but into a Reactor context and an array instead of a snapshot's maps,
 * iterators and accessor look-ups: that work runs on every offloaded call and every request
 * WebFlux hands to a pool, and the snapshots were a sixth of a call's CPU time.
 */
public final class ContextCarrier {

	private static final boolean SLF4J_PRESENT = ClassUtils.isPresent("org.slf4j.MDC",
			ContextCarrier.class.getClassLoader());

	private final ContextRegistry registry;

	/**
	 * Create a carrier that captures what the registry's accessors know, including the whole MDC.
	 * @param registry the registry of thread-local and context accessors
	 */
	public ContextCarrier(ContextRegistry registry) {
		registerMdc(registry);
		this.registry = registry;
	}

	/**
	 * Create a carrier on the global {@link ContextRegistry}.
	 * @return the carrier
	 */
	public static ContextCarrier global() {
		return new ContextCarrier(ContextRegistry.getInstance());
	}

	/**
	 * Registers a whole-MDC accessor unless one is registered: context-propagation ships it
	 * but does not register it by itself.
	 */
	private static void registerMdc(ContextRegistry registry) {
		if (!SLF4J_PRESENT) {
			return;
		}
		boolean present = registry.getThreadLocalAccessors()
			.stream()
			.anyMatch((accessor) -> Slf4jThreadLocalAccessor.KEY.equals(accessor.key()));
		if (!present) {
			registry.registerThreadLocalAccessor(new Slf4jThreadLocalAccessor());
		}
	}

	/**
	 * Captures the values of the calling thread's context as a Reactor context (for
	 * {@link #merge} or {@link #setThreadLocals}): one entry per accessor of the registry
	 * that has a value.
	 * @return the values, empty if the thread has none
	 */
	public Context captureValues() {
		Context values = Context.empty();
		// The registry's list may change meanwhile: its iterator reads one version of it.
		for (ThreadLocalAccessor<?> accessor : this.registry.getThreadLocalAccessors()) {
			Object value = accessor.getValue();
			if (value != null) {
				values = values.put(accessor.key(), value);
			}
		}
		return values;
	}

	/**
	 * The whole context of a call, as one Reactor context: the values captured where the
	 * call was made, under those of the calling thread now (where it is subscribed), under
	 * the subscriber's Reactor context. Set on a pool thread with {@link #setThreadLocals}.
	 * @param made the values captured with {@link #captureValues()} where the call was made
	 * @param subscriber the subscriber's context
	 * @return the merged context
	 */
	public Context merge(ContextView made, ContextView subscriber) {
		return Context.of(made).putAll(captureValues()).putAll(subscriber);
	}

	/**
	 * Sets every thread local known to the registry from a context (typically one made by
	 * {@link #merge}), and clears those it has no value for; closing the scope restores
	 * what the thread had before, so that whatever a task leaves behind (an MDC entry, a
	 * security context) never reaches the next one.
	 * @param context the context
	 * @return the scope to close after the task
	 */
	public ContextSnapshot.Scope setThreadLocals(ContextView context) {
		// One version of the registry's list, which may change meanwhile.
		Object[] accessors = this.registry.getThreadLocalAccessors().toArray();
		Object[] previous = new Object[accessors.length];
		int set = 0;
		try {
			for (; set < accessors.length; set++) {
				ThreadLocalAccessor<?> accessor = (ThreadLocalAccessor<?>) accessors[set];
				previous[set] = accessor.getValue();
				Object value = context.getOrDefault(accessor.key(), null);
				if (value != null) {
					setValue(accessor, value);
				}
				else {
					accessor.setValue();
				}
			}
		}
		catch (RuntimeException | Error ex) {
			// An accessor failed: those already set are put back before the failure travels on.
			restore(accessors, previous, set);
			throw ex;
		}
		return () -> restore(accessors, previous, accessors.length);
	}

	private static void restore(Object[] accessors, Object[] previous, int count) {
		for (int i = count - 1; i >= 0; i--) {
			ThreadLocalAccessor<?> accessor = (ThreadLocalAccessor<?>) accessors[i];
			Object value = previous[i];
			if (value != null) {
				restore(accessor, value);
			}
			else {
				accessor.restore();
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static <V> void setValue(ThreadLocalAccessor<V> accessor, Object value) {
		accessor.setValue((V) value);
	}

	@SuppressWarnings("unchecked")
	private static <V> void restore(ThreadLocalAccessor<V> accessor, Object value) {
		accessor.restore((V) value);
	}

}
