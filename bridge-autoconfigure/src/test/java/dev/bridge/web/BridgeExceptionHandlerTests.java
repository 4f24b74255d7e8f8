package dev.bridge.web;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.bridge.BlockingBridgeShutdownException;
import dev.bridge.BlockingFatalErrorException;
import dev.bridge.BlockingPoolSaturatedException;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each refusal cause is a 503 with {@code Retry-After} and its own title, an error fatal to
 * Reactor a 500 that keeps the error's message out of the body, and anything else is left to
 * the next handler.
 */
class BridgeExceptionHandlerTests {

	private final BridgeExceptionHandler handler = new BridgeExceptionHandler(1,
			ServerCodecConfigurer.create().getWriters());

	private MockServerWebExchange handle(Throwable ex) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/users/1"));
		StepVerifier.create(this.handler.handle(exchange, ex)).verifyComplete();
		return exchange;
	}

	private static String body(MockServerWebExchange exchange) {
		return exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5));
	}

	@Test
	void shutdownIsA503WithRetryAfterAndItsOwnTitle() {
		MockServerWebExchange exchange = handle(new BlockingBridgeShutdownException("images"));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(exchange.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("1");
		assertThat(exchange.getResponse().getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(body(exchange)).contains("\"title\":\"Blocking bridge shutting down\"")
			.contains("Blocking pool 'images' is shut down (the application is closing)")
			.contains("\"pool\":\"images\"");
	}

	@Test
	void saturationIsA503WithRetryAfterAndItsOwnTitle() {
		MockServerWebExchange exchange = handle(BlockingPoolSaturatedException.saturated("images", 2, 2));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(exchange.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("1");
		assertThat(body(exchange)).contains("\"title\":\"Blocking pool saturated\"");
	}

	@Test
	void errorFatalToReactorIsA500WithoutTheErrorsMessage() {
		MockServerWebExchange exchange = handle(
				new BlockingFatalErrorException("images", "Renderer.render", new OutOfMemoryError("secret detail")));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		assertThat(exchange.getResponse().getHeaders().getFirst("Retry-After")).isNull();
		assertThat(body(exchange)).contains("\"title\":\"Blocking call failed\"").doesNotContain("secret detail");
	}

	@Test
	void otherFailuresAreLeftToTheNextHandler() {
		IllegalStateException failure = new IllegalStateException("not ours");
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/users/1"));
		StepVerifier.create(this.handler.handle(exchange, failure))
			.expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(failure))
			.verify(Duration.ofSeconds(5));
		assertThat(exchange.getResponse().getStatusCode()).isNull();
	}

}
