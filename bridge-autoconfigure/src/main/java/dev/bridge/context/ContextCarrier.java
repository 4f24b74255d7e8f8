package dev.bridge.context;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.springframework.util.ClassUtils;

import reactor.util.context.ContextView;

/**
 * Captures the caller's context (thread locals known to Micrometer's context-propagation
 * registry: MDC, the current Observation, Spring Security's context, ...; plus values of a
 * Reactor {@link ContextView}) and restores it on a pool thread. The library does the work;
 * this class only fixes how Bridge uses it.
 */
public final class ContextCarrier {

	private static final boolean SLF4J_PRESENT = ClassUtils.isPresent("org.slf4j.MDC",
			ContextCarrier.class.getClassLoader());

	private final ContextSnapshotFactory factory;

	private final ContextSnapshotFactory clearingFactory;

	/**
	 * Create a carrier that captures what the registry's accessors know, including the whole MDC.
	 * @param registry the registry of thread-local and context accessors
	 */
	public ContextCarrier(ContextRegistry registry) {
		registerMdc(registry);
		this.factory = ContextSnapshotFactory.builder().contextRegistry(registry).clearMissing(false).build();
		this.clearingFactory = ContextSnapshotFactory.builder().contextRegistry(registry).clearMissing(true).build();
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
	 * Captures the calling thread's context. It is the first snapshot set on a pool thread,
	 * so it replaces that thread's whole context: a value the caller does not have is
	 * cleared, and closing its scope restores what the pool thread had before the task
	 * (nothing), so whatever a body leaves behind (an MDC entry, a security context) never
	 * reaches the next task.
	 * @return the snapshot
	 */
	public ContextSnapshot captureThread() {
		return this.clearingFactory.captureAll();
	}

	/**
	 * Captures the calling thread's context with the values of a Reactor context on top. Set
	 * on top of {@link #captureThread()}'s, it only adds values.
	 * @param context the subscriber's context
	 * @return the snapshot
	 */
	public ContextSnapshot capture(ContextView context) {
		return this.factory.captureAll(context);
	}

}
