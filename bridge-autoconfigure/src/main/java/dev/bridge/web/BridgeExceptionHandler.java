package dev.bridge.web;

import java.net.URI;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import dev.bridge.BlockingBridgeShutdownException;
import dev.bridge.BlockingCallOnEventLoopException;
import dev.bridge.BlockingFatalErrorException;
import dev.bridge.BlockingPoolSaturatedException;
import dev.bridge.BlockingTimeoutException;
import reactor.core.publisher.Mono;

/**
 * Turns Bridge's errors into RFC 9457 {@code application/problem+json} responses: a full or
 * closing pool is 503 with {@code Retry-After}, a timeout is 504, a blocking call on an
 * event loop is 500 with the message that says how to fix it, and an error fatal to Reactor
 * is 500 (already logged with its stack; its message stays in the log). Runs before Boot's
 * error handler; anything else passes through.
 */
public class BridgeExceptionHandler implements WebExceptionHandler, Ordered {

	/**
	 * Order: just before Spring Boot's {@code ErrorWebExceptionHandler} (-1).
	 */
	public static final int ORDER = -2;

	private final long retryAfterSeconds;

	private final ServerResponse.Context context;

	/**
	 * Creates a handler writing problem details with the application's codecs.
	 * @param retryAfterSeconds value of {@code Retry-After} on 503
	 * @param messageWriters the server's message writers
	 */
	public BridgeExceptionHandler(long retryAfterSeconds, List<HttpMessageWriter<?>> messageWriters) {
		this.retryAfterSeconds = retryAfterSeconds;
		this.context = new ServerResponse.Context() {

			@Override
			public List<HttpMessageWriter<?>> messageWriters() {
				return messageWriters;
			}

			@Override
			public List<ViewResolver> viewResolvers() {
				return List.of();
			}

		};
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			return Mono.error(ex);
		}
		BlockingPoolSaturatedException saturated = find(ex, BlockingPoolSaturatedException.class);
		if (saturated != null) {
			response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(this.retryAfterSeconds));
			return write(exchange, HttpStatus.SERVICE_UNAVAILABLE, "Blocking pool saturated", saturated.getMessage(),
					saturated.getPool());
		}
		BlockingBridgeShutdownException shutdown = find(ex, BlockingBridgeShutdownException.class);
		if (shutdown != null) {
			response.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(this.retryAfterSeconds));
			return write(exchange, HttpStatus.SERVICE_UNAVAILABLE, "Blocking bridge shutting down",
					shutdown.getMessage(), shutdown.getPool());
		}
		BlockingTimeoutException timeout = find(ex, BlockingTimeoutException.class);
		if (timeout != null) {
			return write(exchange, HttpStatus.GATEWAY_TIMEOUT, "Blocking call timed out", timeout.getMessage(),
					timeout.getPool());
		}
		BlockingCallOnEventLoopException onLoop = find(ex, BlockingCallOnEventLoopException.class);
		if (onLoop != null) {
			return write(exchange, HttpStatus.INTERNAL_SERVER_ERROR, "Blocking call on an event loop",
					onLoop.getMessage(), null);
		}
		BlockingFatalErrorException fatal = find(ex, BlockingFatalErrorException.class);
		if (fatal != null) {
			return write(exchange, HttpStatus.INTERNAL_SERVER_ERROR, "Blocking call failed",
					"The blocking call failed with an error fatal to the reactive runtime; see the server log",
					fatal.getPool());
		}
		return Mono.error(ex);
	}

	private static <E extends Throwable> @Nullable E find(Throwable ex, Class<E> type) {
		Throwable current = ex;
		for (int depth = 0; current != null && depth < 10; depth++) {
			if (type.isInstance(current)) {
				return type.cast(current);
			}
			current = current.getCause();
		}
		return null;
	}

	private Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String title, @Nullable String detail,
			@Nullable String pool) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		problem.setInstance(URI.create(exchange.getRequest().getPath().value()));
		if (pool != null) {
			problem.setProperty("pool", pool);
		}
		return ServerResponse.status(status)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.bodyValue(problem)
			.flatMap((response) -> response.writeTo(exchange, this.context));
	}

}
