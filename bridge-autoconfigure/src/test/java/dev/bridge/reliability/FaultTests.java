package dev.bridge.reliability;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import dev.bridge.BlockingFatalErrorException;
import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Scenarios 4 and 5: faults inside blocking code reach the caller (the same instance, or for
 * an error Reactor treats as fatal, wrapped around the same instance) through every shape of
 * call, over HTTP too, and leave the pool whole; a call past its timeout answers 504, its
 * task is interrupted and cleans up, and its slot is free again.
 */
@ExtendWith(OutputCaptureExtension.class)
class FaultTests extends ReliabilityTestSupport {

	static Stream<Arguments> deliveredAsIs() {
		return Stream.of(Arguments.of(new IOException("legacy I/O failed")),
				Arguments.of(new IllegalStateException("legacy state broken")),
				Arguments.of(new AssertionError("legacy invariant broken")));
	}

	static Stream<Arguments> fatalToReactor() {
		return Stream.of(Arguments.of(new StackOverflowError("legacy recursion")),
				Arguments.of(new NoClassDefFoundError("legacy/Driver")),
				Arguments.of(new OutOfMemoryError("legacy buffer")));
	}

	@ParameterizedTest
	@MethodSource("deliveredAsIs")
	void failureReachesEveryKindOfCallerAsTheSameInstance(Throwable failure) throws Exception {
		everyCallerSees(failure, (error) -> assertThat(error).isSameAs(failure));
	}

	@ParameterizedTest
	@MethodSource("fatalToReactor")
	void errorFatalToReactorReachesEveryKindOfCallerWrappedAroundTheSameInstance(Throwable failure)
			throws Exception {
		everyCallerSees(failure, (error) -> assertThat(error).isInstanceOf(BlockingFatalErrorException.class)
			.hasMessageContaining("on pool 'faults' failed with " + failure.getClass().getName())
			.cause()
			.isSameAs(failure));
	}

	private void everyCallerSees(Throwable failure, Consumer<Throwable> expectation) throws Exception {
		StepVerifier.create(this.legacy.failWith(failure))
			.expectErrorSatisfies(expectation)
			.verify(Duration.ofSeconds(10));
		StepVerifier.create(this.legacy.failFluxWith(failure))
			.expectErrorSatisfies(expectation)
			.verify(Duration.ofSeconds(10));
		assertThatExceptionOfType(ExecutionException.class)
			.isThrownBy(() -> this.legacy.failStageWith(failure).toCompletableFuture().get(10, TimeUnit.SECONDS))
			.satisfies((ex) -> expectation.accept(ex.getCause()));
		StepVerifier.create(this.bridge.spawn("faults", () -> {
			throw ReliabilityApp.Legacy.rethrowable(failure);
		})).expectErrorSatisfies(expectation).verify(Duration.ofSeconds(10));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/fail/", "/fail-plain/" })
	void errorFatalToReactorAnswers500ProblemAndIsLoggedOnceWithItsStack(String route, CapturedOutput output) {
		for (String kind : new String[] { "stack", "noclass", "memory" }) {
			String marker = "marker-" + UUID.randomUUID();
			ResponseEntity<String> response = exchange(route + kind + "?marker=" + marker);
			assertThat(response.getStatusCode().value()).isEqualTo(500);
			assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
			assertThat(response.getBody()).contains("\"title\":\"Blocking call failed\"").doesNotContain(marker);
			await().atMost(Duration.ofSeconds(5)).until(() -> output.getOut().contains(marker));
			String log = output.getOut();
			String error = ReliabilityApp.Legacy.error(kind, marker).getClass().getName() + ": " + marker;
			assertThat(log.split(java.util.regex.Pattern.quote(marker), -1)).as("logged once").hasSize(2);
			assertThat(log.substring(log.indexOf(error))).contains("\tat dev.bridge.reliability.ReliabilityApp$");
		}
		assertThat(output.getOut()).doesNotContain("throwIfFatal");
	}

	@ParameterizedTest
	@ValueSource(strings = { "/fail/", "/fail-plain/" })
	void otherFailuresAnswer500WithoutTheirMessage(String route) {
		for (String kind : new String[] { "checked", "unchecked", "assertion" }) {
			String marker = "marker-" + UUID.randomUUID();
			ResponseEntity<String> response = exchange(route + kind + "?marker=" + marker);
			assertThat(response.getStatusCode().value()).isEqualTo(500);
			assertThat(response.getBody()).doesNotContain(marker);
		}
	}

	@Test
	void poolKeepsItsFullCapacityAfterFaults() throws Exception {
		BlockingPool pool = this.bridge.pool("faults");
		String[] kinds = { "stack", "noclass", "memory", "unchecked", "checked" };
		Flux.range(0, 20)
			.flatMap((i) -> client().get()
				.uri("/fail/{kind}?marker=capacity", kinds[i % kinds.length])
				.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value())))
			.collectList()
			.block(Duration.ofSeconds(30));
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.active() == 0);
		// Both threads of the pool (max-threads=2) must be able to run at once.
		CountDownLatch reached = new CountDownLatch(2);
		CountDownLatch release = new CountDownLatch(1);
		Mono<String> first = this.legacy.holdFaultsThread(reached, release);
		Mono<String> second = this.legacy.holdFaultsThread(reached, release);
		var both = Flux.merge(first, second).collectList().toFuture();
		try {
			assertThat(reached.await(10, TimeUnit.SECONDS)).as("both threads run at once").isTrue();
			assertThat(pool.active()).isEqualTo(2);
		}
		finally {
			release.countDown();
		}
		assertThat(both.get(10, TimeUnit.SECONDS)).hasSize(2)
			.allSatisfy((thread) -> assertThat(thread).startsWith("bridge-faults-"));
	}

	@Test
	void callPastItsTimeoutAnswers504InterruptsTheTaskAndFreesTheSlot() {
		int cleanedBefore = this.legacy.cleanedUp().get();
		ResponseEntity<String> response = exchange("/hang?millis=10000");
		assertThat(response.getStatusCode().value()).isEqualTo(504);
		assertThat(response.getBody()).contains("did not complete within 300ms");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.legacy.cleanedUp().get() == cleanedBefore + 1);
		assertThat(exchange("/hang?millis=1").getBody()).isEqualTo("finished");
	}

	private ResponseEntity<String> exchange(String path) {
		return client().get()
			.uri(path)
			.exchangeToMono((response) -> response.toEntity(String.class))
			.block(Duration.ofSeconds(10));
	}

}
