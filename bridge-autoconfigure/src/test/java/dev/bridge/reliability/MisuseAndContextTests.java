package dev.bridge.reliability;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.MDC;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.bridge.aspect.EventLoopGuard;
import reactor.core.publisher.Flux;
import reactor.util.function.Tuple2;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenarios 6 and 7: guard {@code warn} logs once per method, not once per call; under 100
 * concurrent requests each request's MDC seen inside its {@code @Blocking} body is its own,
 * and none is left on a pool thread afterwards.
 */
@ExtendWith(OutputCaptureExtension.class)
class MisuseAndContextTests extends ReliabilityTestSupport {

	@org.springframework.beans.factory.annotation.Autowired
	EventLoopGuard guard;

	@Test
	void guardWarnLogsOncePerMethodNotPerCall(CapturedOutput output) {
		long before = this.guard.hits().getOrDefault("Legacy.plain", 0L);
		for (int i = 0; i < 5; i++) {
			assertThat(client().get().uri("/guarded").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(5)))
				.isEqualTo("plain");
		}
		assertThat(this.guard.hits()).containsEntry("Legacy.plain", before + 5);
		int warnings = output.getOut().split("@Blocking method Legacy.plain was called on event-loop thread", -1).length
				- 1;
		assertThat(before).as("no other test calls /guarded").isZero();
		assertThat(warnings).isEqualTo(1);
	}

	@Test
	void eachRequestSeesItsOwnMdcUnderConcurrency() {
		List<Tuple2<String, String>> seen = Flux.range(0, 100)
			.flatMap((i) -> client().get()
				.uri("/mdc")
				.header(ReliabilityApp.REQUEST_ID, "req-" + i)
				.retrieve()
				.bodyToMono(String.class)
				.map((body) -> reactor.util.function.Tuples.of("req-" + i, body)), 100)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(seen).hasSize(100).allSatisfy((pair) -> assertThat(pair.getT2()).isEqualTo(pair.getT1()));
	}

	@Test
	void plainControllerHandlerRunByWebFluxSeesItsRequestsMdc() {
		List<Tuple2<String, String>> seen = Flux.range(0, 50)
			.flatMap((i) -> client().get()
				.uri("/mdc-plain")
				.header(ReliabilityApp.REQUEST_ID, "plain-" + i)
				.retrieve()
				.bodyToMono(String.class)
				.map((body) -> reactor.util.function.Tuples.of("plain-" + i, body)), 50)
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(seen).hasSize(50).allSatisfy((pair) -> assertThat(pair.getT2()).isEqualTo(pair.getT1()));
	}

	@Test
	void noMdcIsLeftOnPoolThreadsAfterRequests() throws Exception {
		Flux.range(0, 20)
			.flatMap((i) -> client().get().uri("/mdc").header(ReliabilityApp.REQUEST_ID, "left-" + i).retrieve()
				.bodyToMono(String.class))
			.blockLast(Duration.ofSeconds(20));
		int threads = this.bridge.pool("context").threads();
		CountDownLatch allThreads = new CountDownLatch(threads);
		List<String> leftovers = Flux.range(0, threads)
			.flatMap((i) -> this.bridge.spawn("context", () -> {
				allThreads.countDown();
				// hold every thread until all are busy, so each pooled thread is checked
				allThreads.await(10, TimeUnit.SECONDS);
				return String.valueOf(MDC.get("requestId"));
			}), threads)
			.collectList()
			.block(Duration.ofSeconds(20));
		assertThat(leftovers).hasSize(threads).containsOnly("null");
	}

}
