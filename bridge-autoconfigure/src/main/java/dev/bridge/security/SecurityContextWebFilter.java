package dev.bridge.security;

import java.util.Optional;

import org.springframework.core.Ordered;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Resolves the request's {@link SecurityContext} (what {@link ReactiveSecurityContextHolder}
 * has, set up by Spring Security's filter chain) and puts it in the Reactor context under
 * {@link SecurityContextAccessor#KEY}, so that every offloaded call of the request (a
 * {@code @Blocking} method, a blocking controller method, a functional handler, a
 * {@code spawn}) finds it in {@code SecurityContextHolder} on the pool thread.
 */
public class SecurityContextWebFilter implements WebFilter, Ordered {

	/**
	 * Order: right after Spring Security's {@code WebFilterChainProxy} (-100), whose
	 * filters establish the context.
	 */
	public static final int ORDER = -99;

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return ReactiveSecurityContextHolder.getContext()
			.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((context) -> context.isPresent()
					? chain.filter(exchange).contextWrite((reactor) -> reactor.put(SecurityContextAccessor.KEY,
							context.get()))
					: chain.filter(exchange));
	}

}
