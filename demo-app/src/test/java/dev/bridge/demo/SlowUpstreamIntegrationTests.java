package dev.bridge.demo;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.bridge.test.NoEventLoopBlocking;

/**
 * {@code /api/users/{id}} when the user API answers later than {@code demo.upstream.timeout}:
 * a 504 problem that names the timeout and the setting to raise.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "demo.api-key=test-key",
		"demo.upstream.delay=5s", "demo.upstream.timeout=150ms", "bridge.guard.mode=fail" })
@NoEventLoopBlocking
class SlowUpstreamIntegrationTests {

	@LocalServerPort
	int port;

	@Test
	void slowUserApiIsA504Problem() {
		WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build()
			.get()
			.uri("/api/users/42")
			.exchange()
			.expectStatus()
			.isEqualTo(504)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title").isEqualTo("User API timed out")
			.jsonPath("$.upstream").isEqualTo("http://127.0.0.1:" + this.port + "/upstream")
			.jsonPath("$.detail")
			.isEqualTo("The user API at http://127.0.0.1:" + this.port
					+ "/upstream did not answer within PT0.15S; raise demo.upstream.timeout or check the user API");
	}

}
