package dev.bridge.demo.web;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.TypeMismatchException;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

import reactor.core.publisher.Mono;

/**
 * Renders Spring's own request errors, and the demo's {@code ErrorResponseException}s, as
 * {@code application/problem+json}. A parameter of the wrong type gets a detail that names
 * it ({@code "size must be an integer, was 'abc'"}) instead of Spring's bare "Type mismatch.".
 */
@RestControllerAdvice
class DemoProblemDetails extends ResponseEntityExceptionHandler {

	@Override
	protected Mono<ResponseEntity<Object>> handleServerWebInputException(ServerWebInputException ex,
			HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
		MethodParameter parameter = ex.getMethodParameter();
		if (ex.getCause() instanceof TypeMismatchException mismatch && parameter != null
				&& parameter.getParameterName() != null) {
			ex.getBody()
				.setDetail(parameter.getParameterName() + " must be " + describe(mismatch.getRequiredType())
						+ ", was '" + mismatch.getValue() + "'");
			ex.getBody().setProperty("parameter", parameter.getParameterName());
		}
		return super.handleServerWebInputException(ex, headers, status, exchange);
	}

	private static String describe(@Nullable Class<?> type) {
		if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
			return "an integer";
		}
		return "a " + ((type != null) ? type.getSimpleName() : "value of another type");
	}

}
