package dev.bridge.test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.bridge.eventloop.StallCause;
import dev.bridge.eventloop.StallReport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The inline form, {@link EventLoopStalls#during}.
 */
class EventLoopStallsTests {

	@Test
	void returnsTheStallsOfTheCodeItRan() {
		NoEventLoopBlockingPlainTests.onParallelWorker(() -> ExampleApp.sleep(1));
		List<StallReport> stalls = EventLoopStalls
			.during(() -> NoEventLoopBlockingPlainTests.onParallelWorker(() -> ExampleApp.sleep(300)));
		assertThat(stalls).anySatisfy((stall) -> {
			assertThat(stall.kind()).isEqualTo(StallReport.Kind.LOOP_STALL);
			assertThat(stall.cause()).isEqualTo(StallCause.BLOCKED);
			assertThat(stall.thread()).startsWith("parallel-");
			assertThat(stall.stack()).anyMatch((frame) -> frame.contains("EventLoopStallsTests.lambda$returnsTheStallsOfTheCodeItRan$"));
		});
	}

	@Test
	void returnsNothingForCodeThatDoesNotBlock() {
		assertThat(EventLoopStalls.during(() -> NoEventLoopBlockingPlainTests.onParallelWorker(() -> Math.addExact(1, 2))))
			.isEmpty();
	}

	@Test
	void honoursItsThreshold() {
		NoEventLoopBlockingPlainTests.onParallelWorker(() -> ExampleApp.sleep(1));
		assertThat(EventLoopStalls.during(Duration.ofSeconds(2),
				() -> NoEventLoopBlockingPlainTests.onParallelWorker(() -> ExampleApp.sleep(300))))
			.isEmpty();
	}

	@Test
	void throwsWhatTheCodeThrowsUnchanged() {
		IOException failure = new IOException("disk gone");
		assertThatException().isThrownBy(() -> EventLoopStalls.during(() -> {
			throw failure;
		})).isSameAs(failure);
	}

	@Test
	void refusesAThresholdThatIsNotPositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> EventLoopStalls.during(Duration.ZERO, () -> {
		})).withMessage("threshold must be strictly positive, was 0s");
	}

}
