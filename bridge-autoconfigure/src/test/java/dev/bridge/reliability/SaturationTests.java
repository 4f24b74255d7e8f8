package dev.bridge.reliability;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario 1: a pool of 2 threads and a queue of 2 flooded by 50 concurrent requests. Every
 * request gets 200 with its body or 503 problem+json with Retry-After; none hangs, none gets
 * a 500; the rejected count equals the 503s; the trivial route keeps answering; the pool
 * returns to idle. The same holds for a streaming route: every answer is whole or a 503,
 * never a 200 cut short.
 */
class SaturationTests extends ReliabilityTestSupport {

	@Test
	void floodGetsEither200Or503AndNothingElse() throws Exception {
		BlockingPool pool = this.bridge.pool("flood");
		long rejectedBefore = pool.rejectedCount();
		double rejectedMeterBefore = counter("bridge.pool.rejected", "flood");
		CompletableFuture<List<ResponseEntity<String>>> flood = Flux.range(0, 50)
			.flatMap((i) -> client().get()
				.uri("/slow/{id}?millis=300", i)
				.exchangeToMono((response) -> response.toEntity(String.class)), 50)
			.collectList()
			.toFuture();
		await().atMost(Duration.ofSeconds(10)).until(() -> pool.active() == 2);
		ResponseEntity<String> ping = client().get().uri("/api/ping").retrieve().toEntity(String.class)
			.block(Duration.ofSeconds(5));
		assertThat(ping.getBody()).isEqualTo("pong");

		List<ResponseEntity<String>> responses = flood.get(30, TimeUnit.SECONDS);
		assertThat(responses).hasSize(50);
		List<ResponseEntity<String>> ok = responses.stream().filter((r) -> r.getStatusCode() == HttpStatus.OK).toList();
		List<ResponseEntity<String>> unavailable = responses.stream()
			.filter((r) -> r.getStatusCode() == HttpStatus.SERVICE_UNAVAILABLE)
			.toList();
		assertThat(ok.size() + unavailable.size()).as("only 200 and 503").isEqualTo(50);
		assertThat(ok).isNotEmpty().allSatisfy((r) -> assertThat(r.getBody()).startsWith("done-"));
		assertThat(unavailable).isNotEmpty().allSatisfy((r) -> {
			assertThat(r.getHeaders().getFirst("Retry-After")).isEqualTo("1");
			assertThat(r.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
			assertThat(r.getBody()).contains("Blocking pool 'flood' is saturated");
		});
		assertThat(pool.rejectedCount() - rejectedBefore).isEqualTo(unavailable.size());
		assertThat(counter("bridge.pool.rejected", "flood") - rejectedMeterBefore).isEqualTo(unavailable.size());
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0 && pool.queued() == 0);
		assertThat(pool.isSaturated()).isFalse();
	}

	@Test
	void floodOfAStreamingRouteGetsWholeAnswersOr503AndNothingElse() {
		BlockingPool pool = this.bridge.pool("flood");
		long rejectedBefore = pool.rejectedCount();
		double rejectedMeterBefore = counter("bridge.pool.rejected", "flood");
		int lines = 200;
		List<String> outcomes = Flux.range(0, 60)
			.flatMap((i) -> client().get()
				.uri("/lines/{count}", lines)
				.exchangeToMono((response) -> response.bodyToMono(String.class)
					.defaultIfEmpty("")
					.map((body) -> response.statusCode().value() + " " + body))
				.onErrorResume((ex) -> Mono.just("failed: " + ex)), 60)
			.collectList()
			.block(Duration.ofSeconds(60));
		assertThat(outcomes).hasSize(60);
		List<String> ok = outcomes.stream().filter((o) -> o.startsWith("200 ")).toList();
		List<String> unavailable = outcomes.stream().filter((o) -> o.startsWith("503 ")).toList();
		assertThat(ok.size() + unavailable.size()).as("only whole 200s and 503s: %s", outcomes).isEqualTo(60);
		assertThat(ok).isNotEmpty().allSatisfy((o) -> {
			String[] received = o.substring(4).strip().split("\n");
			assertThat(received).hasSize(lines);
			assertThat(received[lines - 1]).isEqualTo("{\"index\":199,\"text\":\"line 199 of 200\"}");
		});
		assertThat(unavailable).isNotEmpty()
			.allSatisfy((o) -> assertThat(o).contains("Blocking pool 'flood' is saturated"));
		assertThat(pool.rejectedCount() - rejectedBefore).isEqualTo(unavailable.size());
		assertThat(counter("bridge.pool.rejected", "flood") - rejectedMeterBefore).isEqualTo(unavailable.size());
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0 && pool.queued() == 0);
	}

	@Test
	void laterDemandOfAStreamIsServedOnThePool() {
		List<String> threads = this.legacy.threadPerItem(20)
			.publishOn(Schedulers.single(), 1)
			.collectList()
			.block(Duration.ofSeconds(10));
		assertThat(threads).hasSize(20).allSatisfy((thread) -> assertThat(thread).startsWith("bridge-context-"));
	}

}
