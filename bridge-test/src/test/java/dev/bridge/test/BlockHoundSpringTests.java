package dev.bridge.test;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.bridge.eventloop.BlockHoundReporter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link NoEventLoopBlocking} in {@code @SpringBootTest}s with
 * {@code bridge.blockhound.enabled=true}: a handler's blocking call far too short for the
 * watchdog fails the test. BlockHound instruments the whole JVM, so these tests run in a JVM
 * of their own (see the surefire executions).
 */
class BlockHoundSpringTests {

	@Test
	void shortSleepInAHandlerFailsNamingTheLoopTheCallAndTheHandler() {
		Events events = Examples.run(ShortSleepInHandlerExample.class);
		events.assertStatistics((stats) -> stats.started(1).failed(1));
		String message = Examples.failureMessage(events);
		assertThat(message).startsWith("ShortSleepInHandlerExample.callsAHandlerThatSleepsBriefly() blocked ")
			.contains("(@NoEventLoopBlocking, threshold 50ms)")
			// JDK 17 names java.lang.Thread.sleep, JDK 25 java.lang.Thread.sleepNanos0
			.containsPattern("\\d\\) blocking call on event loop '[\\w-]+', caught by BlockHound, "
					+ "in java.lang.Thread.sleep");
		// the frames start at the first application frame, the handler method below it
		List<String> lines = message.lines().toList();
		int episode = indexOfLineContaining(lines, "caught by BlockHound");
		assertThat(lines.get(episode + 1)).startsWith("\tat dev.bridge.test.ExampleApp.sleep(ExampleApp.java:");
		assertThat(lines.get(episode + 2))
			.startsWith("\tat dev.bridge.test.ExampleApp$Handlers.sleepOnLoop(ExampleApp.java:");
		assertThat(ShortSleepInHandlerExample.reporter).isNotNull();
		assertThat(ShortSleepInHandlerExample.reporter.isActive()).isTrue();
	}

	@Test
	void handlerWithoutBlockingCallPasses() {
		Events events = Examples.run(QuickHandlerExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
		assertThat(QuickHandlerExample.reporter).isNotNull();
		assertThat(QuickHandlerExample.reporter.isActive()).isTrue();
	}

	@Test
	void blockingRouteWithAShortSleepPasses() {
		Events events = Examples.run(BlockingRouteExample.class);
		assertThat(Examples.failures(events)).isEmpty();
		events.assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	private static int indexOfLineContaining(List<String> lines, String text) {
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).contains(text)) {
				return i;
			}
		}
		throw new AssertionError("no line contains '" + text + "' in " + lines);
	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "bridge.blockhound.enabled=true")
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking
	static class ShortSleepInHandlerExample {

		static BlockHoundReporter reporter;

		@Autowired
		WebTestClient client;

		@Test
		void callsAHandlerThatSleepsBriefly(@Autowired BlockHoundReporter reporter) {
			ShortSleepInHandlerExample.reporter = reporter;
			// far under the threshold: only BlockHound sees it
			this.client.get().uri("/sleep-on-loop/5").exchange().expectStatus().isOk();
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "bridge.blockhound.enabled=true")
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking
	static class QuickHandlerExample {

		static BlockHoundReporter reporter;

		@Autowired
		WebTestClient client;

		@Test
		void callsAHandlerThatDoesNotBlock(@Autowired BlockHoundReporter reporter) {
			QuickHandlerExample.reporter = reporter;
			this.client.get().uri("/quick").exchange().expectStatus().isOk();
		}

	}

	@SpringBootTest(classes = ExampleApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = "bridge.blockhound.enabled=true")
	@AutoConfigureWebTestClient(timeout = "10s")
	@NoEventLoopBlocking
	static class BlockingRouteExample {

		@Autowired
		WebTestClient client;

		@Test
		void callsABlockingRouteThatSleepsBriefly() {
			this.client.get().uri("/blocking/5").exchange().expectStatus().isOk();
		}

	}

}
