package dev.bridge.web;

import java.time.Duration;
import java.util.Map;

import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebFilter;

import dev.bridge.BlockingBridge;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request's MDC, carried in the Reactor context, is visible inside a functional handler
 * behind {@link BlockingHandlerFilter}, on the pool thread, and only for that request.
 */
@SpringBootTest(classes = BlockingHandlerFilterMdcTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "bridge.eventloop.watchdog.enabled=false", "management.metrics.use-global-registry=false",
				"server.address=127.0.0.1",
				"spring.autoconfigure.exclude=org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration,"
						+ "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration,"
						+ "org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration" })
class BlockingHandlerFilterMdcTests {

	@LocalServerPort
	private int port;

	private WebTestClient client() {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(15))
			.build();
	}

	@Test
	void requestMdcIsVisibleInsideTheFilteredHandlerOnThePool() {
		client().get()
			.uri("/fn/mdc")
			.header("X-Request-Id", "r-42")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((body) -> assertThat(body).startsWith("r-42 on bridge-default-"));
	}

	@Test
	void requestWithoutMdcSeesNoneInsideTheFilteredHandler() {
		client().get()
			.uri("/fn/mdc")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((body) -> assertThat(body).startsWith("null on bridge-default-"));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		WebFilter requestIdFilter() {
			return (exchange, chain) -> {
				String id = exchange.getRequest().getHeaders().getFirst("X-Request-Id");
				if (id == null) {
					return chain.filter(exchange);
				}
				return chain.filter(exchange)
					.contextWrite(Context.of(Slf4jThreadLocalAccessor.KEY, Map.of("requestId", id)));
			};
		}

		@Bean
		RouterFunction<ServerResponse> mdcRoute(BlockingBridge bridge) {
			return RouterFunctions.route()
				.GET("/fn/mdc",
						(request) -> ServerResponse.ok()
							.bodyValue(MDC.get("requestId") + " on " + Thread.currentThread().getName()))
				.filter(BlockingHandlerFilter.onDefaultPool(bridge))
				.build();
		}

	}

}
