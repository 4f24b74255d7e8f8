package dev.bridge.security;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Micrometer context-propagation accessor that carries a resolved {@link SecurityContext}
 * from a Reactor context (key {@value #KEY}) into {@link SecurityContextHolder} on the pool
 * thread, and clears the holder afterwards.
 * <p>
 * Spring Security's own accessors cover the two halves but not the step between them: the
 * reactive one propagates the {@code Mono<SecurityContext>} that
 * {@code ReactiveSecurityContextHolder} keeps, not a context that blocking code can read,
 * and the thread-local one reads {@code SecurityContextHolder}, which is empty on an event
 * loop. {@link SecurityContextWebFilter} resolves the Mono once per request and puts the
 * result under {@value #KEY}, where Bridge's context capture finds it.
 */
public final class SecurityContextAccessor implements ThreadLocalAccessor<SecurityContext> {

	/**
	 * Key of the resolved security context in a Reactor context.
	 */
	public static final String KEY = "dev.bridge.security.SecurityContext";

	/**
	 * Registers an accessor with the registry unless one is registered under {@value #KEY}.
	 * @param registry the registry (Reactor and Bridge use the global one)
	 */
	public static void registerWith(ContextRegistry registry) {
		boolean present = registry.getThreadLocalAccessors().stream().anyMatch((accessor) -> KEY.equals(accessor.key()));
		if (!present) {
			registry.registerThreadLocalAccessor(new SecurityContextAccessor());
		}
	}

	@Override
	public Object key() {
		return KEY;
	}

	/**
	 * The holder's context, or {@code null} when it holds no authentication (so that the
	 * holder is cleared, not set to an empty context, when a scope ends).
	 */
	@Override
	public @Nullable SecurityContext getValue() {
		SecurityContext context = SecurityContextHolder.getContext();
		return (context.getAuthentication() != null) ? context : null;
	}

	@Override
	public void setValue(SecurityContext value) {
		SecurityContextHolder.setContext(value);
	}

	@Override
	public void setValue() {
		SecurityContextHolder.clearContext();
	}

}
