package dev.bridge.demo.load;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import dev.bridge.BlockingBridge;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /demo/load/{bridged,naive}} over a real port: the calls reach the demo's own
 * routes, the naive ones stall the event loops and the bridged ones do not, and loads are
 * bounded.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "demo.api-key=test-key", "demo.upstream.delay=20ms", "server.address=127.0.0.1",
				"bridge.eventloop.watchdog.startup-grace=0s" })
// Closed after the class: a context paused between test classes (Spring Framework 7) stops the
// BlockingBridge, which does not take work again when the context is resumed.
@DirtiesContext
class LoadControllerIntegrationTests {

	private static final String LEGACY_FRAME = "dev.bridge.demo.legacy.LegacyClient.lookupNow(";

	@LocalServerPort
	int port;

	@Autowired
	BlockingBridge bridge;

	WebTestClient client;

	@BeforeEach
	void bindClient() {
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(90))
			.build();
	}

	@Test
	void bridgedLoadRunsEveryCallOnTheDefaultPoolAndStallsNoLoop() {
		Instant started = Instant.now();
		long completedBefore = this.bridge.pool("default").executor().getCompletedTaskCount();
		LoadReport report = load("bridged?requests=4&concurrency=2&delayMs=150");
		assertThat(report.mode()).isEqualTo("bridged");
		assertThat(report.route()).isEqualTo("/api/legacy/{id}?delayMs=150");
		assertThat(report.requests()).isEqualTo(4);
		assertThat(report.concurrency()).isEqualTo(2);
		assertThat(report.succeeded()).isEqualTo(4);
		assertThat(report.failed()).isZero();
		assertThat(report.pings()).isPositive();
		assertThat(this.bridge.pool("default").executor().getCompletedTaskCount()).isGreaterThanOrEqualTo(completedBefore + 4);
		assertThat(legacyStallsSince(started)).isEmpty();
	}

	@Test
	void naiveLoadStallsTheEventLoopsWithTheLegacyCall() {
		Instant started = Instant.now();
		LoadReport report = load("naive?requests=2&concurrency=1&delayMs=300");
		assertThat(report.mode()).isEqualTo("naive");
		assertThat(report.route()).isEqualTo("/naive/legacy/{id}?delayMs=300");
		assertThat(report.succeeded()).isEqualTo(2);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(legacyStallsSince(started)).isNotEmpty());
	}

	@Test
	void loadWhileAnotherRunsIsRefusedWith409() {
		Mono<LoadReport> first = WebClient.create("http://127.0.0.1:" + this.port)
			.post()
			.uri("/demo/load/bridged?requests=2&concurrency=1&delayMs=1000")
			.retrieve()
			.bodyToMono(LoadReport.class)
			.cache();
		first.subscribe();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.bridge.pool("default").active() > 0);
		this.client.post()
			.uri("/demo/load/naive")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("A bridged load is already running; wait for its report, then start the next one")
			.jsonPath("$.running")
			.isEqualTo("bridged");
		assertThat(first.block(Duration.ofSeconds(60))).satisfies((report) -> assertThat(report.succeeded()).isEqualTo(2));
		// The guard is released: the next load runs.
		assertThat(load("naive?requests=1&delayMs=0").succeeded()).isEqualTo(1);
	}

	@Test
	void outOfRangeParametersAreRefusedNamingTheParameter() {
		expectBadRequest("bridged?requests=100", "requests must be between 1 and 32 calls, was 100");
		expectBadRequest("naive?concurrency=0", "concurrency must be between 1 and 8 calls, was 0");
		expectBadRequest("naive?delayMs=5000", "delayMs must be between 0 and 1000 ms, was 5000");
	}

	@Test
	void onlyBridgedAndNaiveAreLoads() {
		this.client.post().uri("/demo/load/other").exchange().expectStatus().isNotFound();
		this.client.get().uri("/demo/load/naive").exchange().expectStatus().isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
	}

	private LoadReport load(String pathAndQuery) {
		return this.client.post()
			.uri("/demo/load/" + pathAndQuery)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(LoadReport.class)
			.returnResult()
			.getResponseBody();
	}

	private void expectBadRequest(String pathAndQuery, String detail) {
		this.client.post()
			.uri("/demo/load/" + pathAndQuery)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo(detail);
	}

	/**
	 * Stall reports from {@code /actuator/bridge} that began after an instant and blame the
	 * legacy call.
	 */
	@SuppressWarnings("unchecked")
	private List<Map<String, Object>> legacyStallsSince(Instant since) {
		Map<String, Object> body = this.client.get()
			.uri("/actuator/bridge")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
		List<Map<String, Object>> stalls = (List<Map<String, Object>>) ((Map<String, Object>) body.get("eventLoops"))
			.get("recentStalls");
		return stalls.stream()
			.filter((stall) -> !Instant.parse((String) stall.get("startedAt")).isBefore(since))
			.filter((stall) -> ((List<String>) stall.get("stack")).stream().anyMatch((frame) -> frame.contains(LEGACY_FRAME)))
			.toList();
	}

}
