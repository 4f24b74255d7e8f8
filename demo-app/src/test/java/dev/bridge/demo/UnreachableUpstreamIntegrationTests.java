package dev.bridge.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.bridge.test.NoEventLoopBlocking;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /api/users/{id}} when {@code demo.upstream.base-url} points at a port nobody listens
 * on: a 502 problem that names the API and the setting, not a 500 stack trace.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "demo.api-key=test-key", "bridge.guard.mode=fail" })
@NoEventLoopBlocking
class UnreachableUpstreamIntegrationTests {

	static final String UPSTREAM = "http://127.0.0.1:" + closedPort() + "/api";

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) {
		registry.add("demo.upstream.base-url", () -> UPSTREAM);
	}

	/**
	 * A port that was free a moment ago: connecting to it is refused.
	 */
	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("No free local port", ex);
		}
	}

	@Test
	void unreachableUserApiIsA502Problem() {
		WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build()
			.get()
			.uri("/api/users/42")
			.exchange()
			.expectStatus()
			.isEqualTo(502)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title").isEqualTo("User API unreachable")
			.jsonPath("$.upstream").isEqualTo(UPSTREAM)
			.jsonPath("$.instance").isEqualTo("/api/users/42")
			.jsonPath("$.detail").value((String detail) -> assertThat(detail)
				.startsWith("The user API at " + UPSTREAM + " could not be reached (")
				.endsWith("); check demo.upstream.base-url"));
	}

}
