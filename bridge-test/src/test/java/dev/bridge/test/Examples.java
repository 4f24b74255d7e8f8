package dev.bridge.test;

import java.util.List;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs example test classes through JUnit's {@link EngineTestKit}, so that a test that is
 * meant to fail can be asserted.
 */
final class Examples {

	private Examples() {
	}

	static Events run(Class<?> exampleClass) {
		return EngineTestKit.engine("junit-jupiter").selectors(selectClass(exampleClass)).execute().testEvents();
	}

	/**
	 * Runs the class and returns the events of its containers and tests, for failures that
	 * happen before any test starts.
	 */
	static Events runAll(Class<?> exampleClass) {
		return EngineTestKit.engine("junit-jupiter").selectors(selectClass(exampleClass)).execute().allEvents();
	}

	/**
	 * The failures of the tests that failed, in order.
	 */
	static List<Throwable> failures(Events events) {
		return events.failed()
			.stream()
			.map(Event::getPayload)
			.map((payload) -> payload.orElseThrow())
			.map(TestExecutionResult.class::cast)
			.map((result) -> result.getThrowable().orElseThrow())
			.toList();
	}

	static String failureMessage(Events events) {
		List<Throwable> failures = failures(events);
		if (failures.size() != 1) {
			throw new AssertionError("expected one failed test, got " + failures);
		}
		return String.valueOf(failures.get(0).getMessage());
	}

}
