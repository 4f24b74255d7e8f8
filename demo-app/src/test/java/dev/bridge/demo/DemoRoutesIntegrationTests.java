package dev.bridge.demo;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.imageio.ImageIO;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import dev.bridge.BlockingBridge;
import dev.bridge.pool.BlockingPool;
import dev.bridge.test.NoEventLoopBlocking;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every demo route over a real port, with the built-in user API and
 * {@code bridge.guard.mode=fail}: results, error responses, and which threads did the work.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "demo.api-key=test-key", "demo.upstream.delay=20ms", "bridge.guard.mode=fail" })
class DemoRoutesIntegrationTests {

	/**
	 * Reactor Netty's event-loop threads: {@code reactor-http-epoll-1} in production.
	 * Spring Boot's test support gives each test context loops of its own, named
	 * {@code webflux-http-*} by Spring's {@code ReactorResourceFactory}; both are the server's
	 * event loops.
	 */
	static final String EVENT_LOOP_THREAD = "(reactor|webflux)-http-(epoll|nio|kqueue|io_uring)-\\d+";

	@LocalServerPort
	int port;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	BlockingBridge bridge;

	WebTestClient client;

	@BeforeEach
	void bindClient() {
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + this.port)
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

	@Test
	@NoEventLoopBlocking
	void pingAnswersPong() {
		this.client.get().uri("/api/ping").exchange().expectStatus().isOk().expectBody(String.class).isEqualTo("pong");
	}

	@Test
	@NoEventLoopBlocking
	void userIsFetchedThenFormattedOnTheDefaultPool() {
		this.client.get()
			.uri("/api/users/42")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.id").isEqualTo("42")
			.jsonPath("$.displayName").isEqualTo("HOPPER, Barbara")
			.jsonPath("$.initials").isEqualTo("BH")
			.jsonPath("$.email").isEqualTo("barbara.hopper42@example.org")
			.jsonPath("$.fingerprint").value((String fingerprint) -> assertThat(fingerprint).hasSize(16))
			.jsonPath("$.formattedOn").value((String thread) -> assertThat(thread).startsWith("bridge-default-"));
	}

	@Test
	void unknownUserIsA404Problem() {
		this.client.get()
			.uri("/api/users/not-a-number")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title").isEqualTo("User not found")
			.jsonPath("$.detail").isEqualTo("The user API has no user 'not-a-number'; user ids are positive integers")
			.jsonPath("$.instance").isEqualTo("/api/users/not-a-number");
	}

	@Test
	void builtInUserApiWantsTheApiKey() {
		this.client.get()
			.uri("/upstream/users/1")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("Missing or wrong X-Api-Key header; send the key configured as demo.api-key");
		this.client.get()
			.uri("/upstream/users/1")
			.header("X-Api-Key", "test-key")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.firstName").isEqualTo("Alan")
			.jsonPath("$.memberSince").isEqualTo("2015-02-07");
	}

	@Test
	@NoEventLoopBlocking
	void thumbnailIsAPngRenderedOnTheImagesPool() throws IOException {
		EntityExchangeResult<byte[]> result = this.client.get()
			.uri("/api/thumbnails/7?size=64")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType(MediaType.IMAGE_PNG)
			.expectBody(byte[].class)
			.returnResult();
		assertThat(result.getResponseHeaders().getFirst("X-Worker-Thread")).startsWith("bridge-images-");
		BufferedImage image = ImageIO.read(new ByteArrayInputStream(result.getResponseBody()));
		assertThat(image.getWidth()).isEqualTo(64);
		assertThat(image.getHeight()).isEqualTo(64);
	}

	@Test
	void thumbnailSizeOutOfRangeIsA400Problem() {
		this.client.get()
			.uri("/api/thumbnails/7?size=4000")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title").isEqualTo("Invalid request parameter")
			.jsonPath("$.detail").isEqualTo("size must be between 16 and 512 pixels, was 4000")
			.jsonPath("$.parameter").isEqualTo("size")
			.jsonPath("$.instance").isEqualTo("/api/thumbnails/7");
		this.client.get()
			.uri("/api/thumbnails/7?size=15")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.detail").isEqualTo("size must be between 16 and 512 pixels, was 15");
	}

	@Test
	void thumbnailSizeThatIsNotANumberIsA400Problem() {
		this.client.get()
			.uri("/api/thumbnails/7?size=big")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail").isEqualTo("size must be an integer, was 'big'")
			.jsonPath("$.parameter").isEqualTo("size");
	}

	@Test
	@NoEventLoopBlocking
	void imagesPoolNeverRunsMoreThanItsTwoThreads() {
		Set<String> threads = ConcurrentHashMap.newKeySet();
		Flux.range(0, 8)
			.flatMap((i) -> webClient().get()
				.uri("/api/thumbnails/{id}?size=32", i)
				.retrieve()
				.toBodilessEntity()
				.doOnNext((response) -> threads.add(response.getHeaders().getFirst("X-Worker-Thread"))))
			.blockLast(Duration.ofSeconds(60));
		assertThat(threads).isNotEmpty().allMatch((thread) -> thread.startsWith("bridge-images-"));
		assertThat(threads).hasSizeLessThanOrEqualTo(2);
		assertThat(this.bridge.pool("images").settings().maxThreads()).isEqualTo(2);
	}

	@Test
	@NoEventLoopBlocking
	void legacyRunsOnTheDefaultPoolWhileThumbnailsFloodTheImagesPool() {
		BlockingPool images = this.bridge.pool("images");
		List<Integer> statuses = new CopyOnWriteArrayList<>();
		Disposable flood = Flux.range(0, 24)
			.flatMap((i) -> webClient().get()
				.uri("/api/thumbnails/flood-{id}?size=512", i)
				.retrieve()
				.toBodilessEntity()
				.doOnNext((response) -> statuses.add(response.getStatusCode().value())))
			.subscribeOn(Schedulers.boundedElastic())
			.subscribe();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> images.queued() > 0);
			this.client.get()
				.uri("/api/legacy/7?delayMs=10")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.thread").value((String thread) -> assertThat(thread).startsWith("bridge-default-"));
		}
		finally {
			await().atMost(Duration.ofSeconds(60)).until(() -> statuses.size() == 24 || flood.isDisposed());
		}
		assertThat(statuses).hasSize(24).containsOnly(200);
	}

	@Test
	@NoEventLoopBlocking
	void legacyCallRunsOnTheDefaultPool() {
		this.client.get()
			.uri("/api/legacy/7?delayMs=30")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.id").isEqualTo("7")
			.jsonPath("$.value").isEqualTo("legacy record 7")
			.jsonPath("$.delayMs").isEqualTo(30)
			.jsonPath("$.thread").value((String thread) -> assertThat(thread).startsWith("bridge-default-"));
	}

	@Test
	void legacyDelayDefaultsTo100Ms() {
		this.client.get().uri("/api/legacy/7").exchange().expectStatus().isOk().expectBody().jsonPath("$.delayMs")
			.isEqualTo(100);
	}

	@Test
	void legacyDelayOutOfRangeIsA400Problem() {
		for (String delay : List.of("-1", "3001")) {
			this.client.get()
				.uri("/api/legacy/7?delayMs=" + delay)
				.exchange()
				.expectStatus()
				.isBadRequest()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.detail").isEqualTo("delayMs must be between 0 and 3000 ms, was " + delay)
				.jsonPath("$.parameter").isEqualTo("delayMs");
		}
	}

	@Test
	void naiveLegacyBlocksTheEventLoop() {
		this.client.get()
			.uri("/naive/legacy/7?delayMs=20")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.value").isEqualTo("legacy record 7")
			.jsonPath("$.thread").value((String thread) -> assertThat(thread).matches(EVENT_LOOP_THREAD));
	}

	@Test
	void naiveThumbnailRendersOnTheEventLoop() {
		this.client.get()
			.uri("/naive/thumbnails/7?size=32")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType(MediaType.IMAGE_PNG)
			.expectHeader()
			.value("X-Worker-Thread", (thread) -> assertThat(thread).matches(EVENT_LOOP_THREAD));
	}

	@Test
	void naiveRoutesValidateLikeTheirApiTwins() {
		this.client.get()
			.uri("/naive/legacy/7?delayMs=999999")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail").isEqualTo("delayMs must be between 0 and 3000 ms, was 999999");
		this.client.get()
			.uri("/naive/thumbnails/7?size=0")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail").isEqualTo("size must be between 16 and 512 pixels, was 0");
	}

	@Test
	void healthIsUp() {
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP");
	}

	@Test
	@NoEventLoopBlocking
	void offloadedCallsAreTimedPerPool() {
		long lookupsBefore = timedCalls("pool", "default", "method", "LegacyClient.lookup");
		long imagesBefore = timedCalls("pool", "images");
		this.client.get().uri("/api/legacy/1?delayMs=0").exchange().expectStatus().isOk();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> timedCalls("pool", "default", "method", "LegacyClient.lookup") == lookupsBefore + 1);
		this.client.get().uri("/api/thumbnails/1?size=16").exchange().expectStatus().isOk();
		await().atMost(Duration.ofSeconds(10)).until(() -> timedCalls("pool", "images") > imagesBefore);
		assertThat(timedCalls("pool", "default", "method", "LegacyClient.lookup")).isEqualTo(lookupsBefore + 1);
		this.client.get()
			.uri("/actuator/metrics/bridge.blocking?tag=pool:default&tag=method:LegacyClient.lookup")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.measurements[?(@.statistic == 'COUNT')].value")
			.isEqualTo((double) lookupsBefore + 1);
		this.client.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((body) -> assertThat(body).contains("bridge_blocking_seconds_count{"));
	}

	/**
	 * Calls recorded by the {@code bridge.blocking} timers with these tags, read from the
	 * registry the actuator endpoint serves.
	 */
	private long timedCalls(String... tags) {
		return this.meters.find("bridge.blocking").tags(tags).timers().stream().mapToLong(Timer::count).sum();
	}

	@Test
	void metricsEndpointIsExposed() {
		this.client.get().uri("/actuator/metrics").exchange().expectStatus().isEqualTo(HttpStatus.OK);
	}

	private WebClient webClient() {
		return WebClient.create("http://localhost:" + this.port);
	}

}
