package dev.bridge.web;

import java.time.Duration;

import io.micrometer.context.ContextRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.WebFilter;

import dev.bridge.Blocking;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code spring.reactor.context-propagation}: Bridge's default ({@code auto}) lets a plain
 * {@code @Blocking} handler see the request's Reactor context as thread locals; the
 * {@code limited} opt-out leaves plain handlers without it, while {@code Mono} methods
 * still get it. Each app sets Reactor's global hook itself; it is reset after each.
 */
class ContextPropagationModeTests {

	private static final ThreadLocal<String> TENANT = new ThreadLocal<>();

	private static final String TENANT_KEY = "test.mode.tenant";

	@BeforeAll
	static void registerAccessor() {
		ContextRegistry.getInstance().registerThreadLocalAccessor(TENANT_KEY, TENANT::get, TENANT::set, TENANT::remove);
		Hooks.disableAutomaticContextPropagation();
	}

	@AfterAll
	static void removeAccessor() {
		ContextRegistry.getInstance().removeThreadLocalAccessor(TENANT_KEY);
		Hooks.disableAutomaticContextPropagation();
	}

	static String get(int port, String path) {
		return WebClient.create("http://127.0.0.1:" + port)
			.get()
			.uri(path)
			.retrieve()
			.bodyToMono(String.class)
			.block(Duration.ofSeconds(15));
	}

	@Nested
	@SpringBootTest(classes = App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "bridge.eventloop.watchdog.enabled=false", "server.address=127.0.0.1" })
	class Default {

		@LocalServerPort
		int port;

		@Test
		void plainHandlerSeesTheRequestsContext() {
			assertThat(get(this.port, "/mode/plain")).isEqualTo("acme@bridge-default");
		}

		@Test
		void monoMethodSeesTheRequestsContext() {
			assertThat(get(this.port, "/mode/mono")).isEqualTo("acme@bridge-default");
		}

	}

	@Nested
	@SpringBootTest(classes = App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "bridge.eventloop.watchdog.enabled=false", "server.address=127.0.0.1",
					"spring.reactor.context-propagation=limited" })
	class Limited {

		@BeforeAll
		static void startWithTheHookOff() {
			Hooks.disableAutomaticContextPropagation();
		}

		@LocalServerPort
		int port;

		@Test
		void plainHandlerDoesNotSeeTheRequestsContext() {
			assertThat(get(this.port, "/mode/plain")).isEqualTo("null@bridge-default");
		}

		@Test
		void monoMethodStillSeesTheRequestsContext() {
			assertThat(get(this.port, "/mode/mono")).isEqualTo("acme@bridge-default");
		}

	}

	static String tenantAndPool() {
		String thread = Thread.currentThread().getName();
		return TENANT.get() + "@" + thread.substring(0, thread.lastIndexOf('-'));
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ Routes.class, Tenants.class })
	static class App {

		@Bean
		WebFilter tenantFilter() {
			return (exchange, chain) -> chain.filter(exchange).contextWrite((context) -> context.put(TENANT_KEY, "acme"));
		}

	}

	static class Tenants {

		@Blocking
		public Mono<String> mono() {
			return Mono.just(tenantAndPool());
		}

	}

	@RestController
	static class Routes {

		private final Tenants tenants;

		Routes(Tenants tenants) {
			this.tenants = tenants;
		}

		@Blocking
		@GetMapping("/mode/plain")
		public String plain() {
			return tenantAndPool();
		}

		@GetMapping("/mode/mono")
		Mono<String> mono() {
			return this.tenants.mono();
		}

	}

}
