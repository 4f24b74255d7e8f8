package dev.bridge.reliability;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenarios 4 and 5: faults inside blocking code reach the caller unchanged and leave the
 * pool whole; a call past its timeout answers 504, its task is interrupted and cleans up,
 * and its slot is free again.
 */
class FaultTests extends ReliabilityTestSupport {

	@Test
	void checkedUncheckedAndErrorReachTheCallerUnchanged() {
		assertThat(get("/fail/checked")).isEqualTo("java.io.IOException: legacy I/O failed");
		assertThat(get("/fail/unchecked")).isEqualTo("java.lang.IllegalStateException: legacy state broken");
		assertThat(get("/fail/error")).isEqualTo("java.lang.StackOverflowError: legacy recursion");
	}

	@Test
	void poolKeepsItsCapacityAfterFaults() {
		BlockingPool pool = this.bridge.pool("faults");
		Flux.range(0, 20)
			.flatMap((i) -> client().get().uri("/fail/{kind}", (i % 2 == 0) ? "error" : "unchecked").retrieve()
				.bodyToMono(String.class))
			.blockLast(Duration.ofSeconds(20));
		List<String> afterwards = Flux.range(0, 2)
			.flatMap((i) -> client().get().uri("/fail/none").retrieve().bodyToMono(String.class))
			.collectList()
			.block(Duration.ofSeconds(10));
		assertThat(afterwards).hasSize(2).allSatisfy((body) -> assertThat(body).startsWith("ok on bridge-faults-"));
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		assertThat(pool.threads()).isLessThanOrEqualTo(2);
	}

	@Test
	void callPastItsTimeoutAnswers504InterruptsTheTaskAndFreesTheSlot() {
		int cleanedBefore = this.legacy.cleanedUp().get();
		client().get()
			.uri("/hang?millis=10000")
			.exchangeToMono((response) -> {
				assertThat(response.statusCode().value()).isEqualTo(504);
				return response.bodyToMono(String.class);
			})
			.doOnNext((body) -> assertThat(body).contains("did not complete within PT0.3S"))
			.block(Duration.ofSeconds(10));
		await().atMost(Duration.ofSeconds(5)).until(() -> this.legacy.cleanedUp().get() == cleanedBefore + 1);
		assertThat(get("/hang?millis=1")).isEqualTo("finished");
	}

	private String get(String path) {
		return client().get().uri(path).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));
	}

}
