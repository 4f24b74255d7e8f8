package dev.bridge.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts {@link DemoApplication#main} in a child JVM, with no arguments, from a directory
 * that has no {@code demo.properties}: it reads the default built into the demo, says so, and
 * serves requests with it.
 */
class DemoApplicationStartTests {

	/**
	 * Port 0 and the loopback through the environment, so that the command line stays empty;
	 * and a patient upstream timeout, since the first call of a cold JVM on a loaded machine
	 * can take longer than the 2 s of the file (the API key still comes from the file).
	 */
	static final Map<String, String> FREE_LOOPBACK_PORT = Map.of("SERVER_PORT", "0", "SERVER_ADDRESS", "127.0.0.1",
			"DEMO_UPSTREAM_TIMEOUT", "2m");

	@TempDir
	Path emptyDirectory;

	@Test
	void startsWithNoArgumentsFromAnyDirectoryOnTheBuiltInDefault() throws Exception {
		try (DemoProcess demo = DemoProcess.java(this.emptyDirectory, FREE_LOOPBACK_PORT, "-cp",
				System.getProperty("java.class.path"), DemoApplication.class.getName())) {
			int port = demo.awaitPort();
			assertThat(demo.lines()).anySatisfy((line) -> assertThat(line).contains(
					"Demo config read from the default built into the demo (dev/bridge/demo/config/demo.properties)"));
			assertUsersAnswer(port);
		}
	}

	@Test
	void logsTheFileItReadFromTheWorkingDirectory() throws Exception {
		Files.writeString(this.emptyDirectory.resolve("demo.properties"), "demo.api-key=local\n");
		try (DemoProcess demo = DemoProcess.java(this.emptyDirectory, FREE_LOOPBACK_PORT, "-cp",
				System.getProperty("java.class.path"), DemoApplication.class.getName())) {
			demo.awaitPort();
			Path file = this.emptyDirectory.toRealPath().resolve("demo.properties");
			assertThat(demo.lines()).anySatisfy((line) -> assertThat(line).endsWith("Demo config read from " + file))
				.noneSatisfy((line) -> assertThat(line).contains("default built into the demo"));
		}
	}

	/**
	 * The built-in user API wants the key of the built-in config: a user with a name proves
	 * the default was bound.
	 * @param port the demo's port
	 */
	static void assertUsersAnswer(int port) {
		WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(DemoProcess.PATIENCE)
			.build()
			.get()
			.uri("/api/users/42")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.displayName")
			.isEqualTo("HOPPER, Barbara");
	}

}
