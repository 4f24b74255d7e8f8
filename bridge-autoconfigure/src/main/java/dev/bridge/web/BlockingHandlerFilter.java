package dev.bridge.web;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.util.pattern.PathPattern;

import dev.bridge.BlockingBridge;
import dev.bridge.offload.Offloader;
import dev.bridge.offload.Offloaders;
import dev.bridge.settings.DurationText;
import reactor.core.publisher.Mono;

/**
 * Runs the {@link HandlerFunction}s of functional routes on a bridge pool: what
 * {@code @Blocking} does for annotated controllers, for {@code RouterFunction} users.
 * <pre class="code">
 * &#64;Bean
 * RouterFunction&lt;ServerResponse&gt; reports(BlockingBridge bridge, ReportService reports) {
 *     return route().GET("/reports/{id}", (request) -&gt; ok().bodyValue(reports.render(request.pathVariable("id"))))
 *         .filter(BlockingHandlerFilter.onPool(bridge, "default"))
 *         .build();
 * }
 * </pre>
 * The handler is invoked on the pool when the response is subscribed to, with the request's
 * context (Reactor context, MDC, Spring Security's {@code SecurityContextHolder}), as a
 * {@value BlockingBridge#OBSERVATION_NAME} observation whose {@code method} tag is the HTTP
 * method and the route's pattern ({@code GET /reports/{id}}), under the pool's timeout (or
 * {@link #withTimeout(Duration)}). A full pool answers 503 and a timeout 504, as problem
 * details; a request whose client leaves before its task starts is taken out of the queue.
 */
public final class BlockingHandlerFilter implements HandlerFilterFunction<ServerResponse, ServerResponse> {

	private final Offloader offloader;

	private final String pool;

	private final @Nullable Duration timeout;

	private BlockingHandlerFilter(Offloader offloader, String pool, @Nullable Duration timeout) {
		this.offloader = offloader;
		this.pool = pool;
		this.timeout = timeout;
	}

	/**
	 * A filter that runs handlers on the named pool, under that pool's timeout.
	 * @param bridge the bridge
	 * @param pool the pool name
	 * @return the filter
	 * @throws dev.bridge.UnknownBlockingPoolException if no pool has that name
	 */
	public static BlockingHandlerFilter onPool(BlockingBridge bridge, String pool) {
		Objects.requireNonNull(bridge, "bridge must not be null");
		bridge.pool(pool);
		return new BlockingHandlerFilter(Offloaders.of(bridge), pool, null);
	}

	/**
	 * A filter that runs handlers on the {@value BlockingBridge#DEFAULT_POOL} pool.
	 * @param bridge the bridge
	 * @return the filter
	 */
	public static BlockingHandlerFilter onDefaultPool(BlockingBridge bridge) {
		return onPool(bridge, BlockingBridge.DEFAULT_POOL);
	}

	/**
	 * The same filter with its own per-call timeout instead of the pool's.
	 * @param timeout the timeout, strictly positive
	 * @return the filter
	 */
	public BlockingHandlerFilter withTimeout(Duration timeout) {
		if (timeout == null || timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("timeout must be strictly positive, was " + DurationText.print(timeout));
		}
		return new BlockingHandlerFilter(this.offloader, this.pool, timeout);
	}

	@Override
	public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
		return this.offloader.mono(this.pool, callName(request), this.timeout, () -> next.handle(request));
	}

	private static String callName(ServerRequest request) {
		Object pattern = request.attribute(RouterFunctions.MATCHING_PATTERN_ATTRIBUTE).orElse(null);
		String path = (pattern instanceof PathPattern matching) ? matching.getPatternString() : "{unmatched}";
		return request.method().name() + " " + path;
	}

	@Override
	public String toString() {
		return "BlockingHandlerFilter[pool=" + this.pool + ((this.timeout != null) ? ", timeout=" + DurationText.print(this.timeout) : "")
				+ "]";
	}

}
