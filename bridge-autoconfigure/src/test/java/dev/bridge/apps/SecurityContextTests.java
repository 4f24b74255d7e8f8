package dev.bridge.apps;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableReactiveMethodSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import dev.bridge.web.BlockingHandlerFilter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * In a WebFlux application with Spring Security (HTTP basic), every offloaded body sees the
 * request's {@code SecurityContext} in {@code SecurityContextHolder}, and nothing of it is
 * left on the pool thread afterwards; method security ({@code @PreAuthorize}) decides on the
 * pool thread, inside the offloaded call. Real Netty port, real Spring Security.
 */
@SpringBootTest(classes = SecurityContextTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "bridge.pools.default.max-threads=2", "bridge.pools.one.max-threads=1",
				"bridge.eventloop.watchdog.enabled=false", "server.address=127.0.0.1" })
class SecurityContextTests {

	/** Every kind of offloaded body, each answering "principal@thread". */
	private static final List<String> ROUTES = List.of("/mono", "/flux", "/future", "/plain", "/spawn", "/functional");

	@LocalServerPort
	private int port;

	@Autowired
	private BlockingBridge bridge;

	@Autowired
	private Checks checks;

	private WebClient client(String user) {
		WebClient.Builder builder = WebClient.builder().baseUrl("http://127.0.0.1:" + this.port);
		if (user != null) {
			builder.defaultHeaders((headers) -> headers.setBasicAuth(user, user + "-secret"));
		}
		return builder.build();
	}

	private String get(String user, String path) {
		return client(user).get().uri(path).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/mono", "/flux", "/future", "/plain", "/spawn", "/functional" })
	void authenticatedRequestSeesItsPrincipalOnThePoolThread(String route) {
		assertThat(get("alice", route)).startsWith("alice@bridge-default-");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/mono", "/flux", "/future", "/plain", "/spawn", "/functional" })
	void anonymousRequestSeesTheAnonymousAuthentication(String route) {
		assertThat(get(null, "/public" + route)).startsWith("anonymousUser@bridge-default-");
	}

	@Test
	void unauthenticatedRequestToAProtectedRouteIsRefusedBeforeAnyBlockingWork() {
		assertThatExceptionOfType(WebClientResponseException.class).isThrownBy(() -> get(null, "/mono"))
			.satisfies((ex) -> assertThat(ex.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED));
	}

	@Test
	void twoUsersInParallelNeverSeeEachOthersPrincipal() {
		List<Mono<String>> calls = new java.util.ArrayList<>();
		for (int i = 0; i < 100; i++) {
			String user = (i % 2 == 0) ? "alice" : "bob";
			String route = ROUTES.get(i % ROUTES.size());
			calls.add(client(user).get()
				.uri(route)
				.retrieve()
				.bodyToMono(String.class)
				.map((body) -> user + " got " + body.substring(0, body.indexOf('@'))));
		}
		List<String> answers = Flux.merge(calls).collectList().block(Duration.ofSeconds(60));
		assertThat(answers).hasSize(100)
			.allSatisfy((answer) -> assertThat(answer).isIn("alice got alice", "bob got bob"));
	}

	@Test
	void reusedPoolThreadSeesNoPrincipalAfterwards() {
		String answer = get("alice", "/one");
		assertThat(answer).startsWith("alice@bridge-one-");
		String thread = answer.substring(answer.indexOf('@') + 1);
		String after = this.bridge.spawn("one", () -> {
			Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
			return ((authentication != null) ? authentication.getName() : "none") + "@"
					+ Thread.currentThread().getName();
		}).block(Duration.ofSeconds(10));
		assertThat(after).isEqualTo("none@" + thread);
	}

	@Test
	void methodSecurityDecidesOnThePoolThreadAndLetsTheRoleIn() {
		this.checks.threads.clear();
		assertThat(get("carol", "/admin")).startsWith("carol@bridge-default-");
		assertThat(this.checks.threads).singleElement().asString().startsWith("bridge-default-");
	}

	@Test
	void methodSecurityRefusesAnotherRoleBeforeTheBodyRuns() {
		int bodies = this.checks.bodies.get();
		assertThatExceptionOfType(WebClientResponseException.class).isThrownBy(() -> get("alice", "/admin"))
			.satisfies((ex) -> assertThat(ex.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN));
		assertThat(this.checks.bodies).hasValue(bodies);
		assertThat(this.checks.threads).last().asString().startsWith("bridge-default-");
	}

	static String whoAndWhere() {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		return ((authentication != null) ? authentication.getName() : "none") + "@" + Thread.currentThread().getName();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableReactiveMethodSecurity
	@Import({ Bodies.class, Routes.class, Checks.class })
	static class App {

		@Bean
		MapReactiveUserDetailsService users() {
			return new MapReactiveUserDetailsService(
					User.withUsername("alice").password("{noop}alice-secret").roles("USER").build(),
					User.withUsername("bob").password("{noop}bob-secret").roles("USER").build(),
					User.withUsername("carol").password("{noop}carol-secret").roles("ADMIN").build());
		}

		@Bean
		SecurityWebFilterChain security(ServerHttpSecurity http) {
			return http.authorizeExchange((exchanges) -> exchanges.pathMatchers("/public/**")
				.permitAll()
				.anyExchange()
				.authenticated())
				.httpBasic((basic) -> {
				})
				.anonymous((anonymous) -> {
				})
				.csrf(ServerHttpSecurity.CsrfSpec::disable)
				.build();
		}

		@Bean
		RouterFunction<ServerResponse> functional(BlockingBridge bridge) {
			return RouterFunctions.route()
				.GET("/functional", (request) -> ServerResponse.ok().bodyValue(whoAndWhere()))
				.GET("/public/functional", (request) -> ServerResponse.ok().bodyValue(whoAndWhere()))
				.filter(BlockingHandlerFilter.onDefaultPool(bridge))
				.build();
		}

	}

	/**
	 * The method-security expression's bean: records where each decision ran and counts the
	 * bodies that ran.
	 */
	@Component("checks")
	static class Checks {

		final List<String> threads = new CopyOnWriteArrayList<>();

		final AtomicInteger bodies = new AtomicInteger();

		public boolean isAdmin(Authentication authentication) {
			this.threads.add(Thread.currentThread().getName());
			return authentication.getAuthorities().stream().anyMatch((authority) -> "ROLE_ADMIN".equals(authority.getAuthority()));
		}

	}

	@Service
	static class Bodies {

		private final Checks checks;

		Bodies(Checks checks) {
			this.checks = checks;
		}

		@Blocking
		@PreAuthorize("@checks.isAdmin(authentication)")
		public Mono<String> admin() {
			this.checks.bodies.incrementAndGet();
			return Mono.just(whoAndWhere());
		}

		@Blocking
		public Mono<String> mono() {
			return Mono.just(whoAndWhere());
		}

		@Blocking
		public Flux<String> flux() {
			return Flux.just(whoAndWhere());
		}

		@Blocking
		public CompletableFuture<String> future() {
			return CompletableFuture.completedFuture(whoAndWhere());
		}

		@Blocking(pool = "one")
		public Mono<String> one() {
			return Mono.just(whoAndWhere());
		}

	}

	@RestController
	static class Routes {

		private final Bodies bodies;

		private final BlockingBridge bridge;

		Routes(Bodies bodies, BlockingBridge bridge) {
			this.bodies = bodies;
			this.bridge = bridge;
		}

		@GetMapping({ "/mono", "/public/mono" })
		Mono<String> mono() {
			return this.bodies.mono();
		}

		@GetMapping({ "/flux", "/public/flux" })
		Flux<String> flux() {
			return this.bodies.flux();
		}

		@GetMapping({ "/future", "/public/future" })
		CompletableFuture<String> future() {
			return this.bodies.future();
		}

		@Blocking
		@GetMapping({ "/plain", "/public/plain" })
		public String plain() {
			return whoAndWhere();
		}

		@GetMapping({ "/spawn", "/public/spawn" })
		Mono<String> spawn() {
			return this.bridge.spawn(SecurityContextTests::whoAndWhere);
		}

		@GetMapping("/admin")
		Mono<String> admin() {
			return this.bodies.admin();
		}

		@GetMapping("/one")
		Mono<String> one() {
			return this.bodies.one();
		}

	}

}
