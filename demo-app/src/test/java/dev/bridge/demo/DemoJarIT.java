package dev.bridge.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the packaged jars as a user would, with {@code java -jar} from a directory that has no
 * {@code demo.properties} (failsafe passes their paths after the package phase).
 */
class DemoJarIT {

	@TempDir
	Path emptyDirectory;

	@Test
	void execJarStartsWithNoArgumentsFromAnyDirectory() throws Exception {
		Path jar = jar("demo.exec-jar");
		try (DemoProcess demo = DemoProcess.java(this.emptyDirectory, DemoApplicationStartTests.FREE_LOOPBACK_PORT,
				"-jar", jar.toString())) {
			int port = demo.awaitPort();
			assertThat(demo.lines()).anySatisfy((line) -> assertThat(line)
				.contains("Demo config read from the default built into the demo"));
			DemoApplicationStartTests.assertUsersAnswer(port);
		}
	}

	@Test
	void execJarStillStopsOnANamedFileThatIsMissing() throws Exception {
		Path jar = jar("demo.exec-jar");
		try (DemoProcess demo = DemoProcess.java(this.emptyDirectory, DemoApplicationStartTests.FREE_LOOPBACK_PORT,
				"-jar", jar.toString(), "--demo.config=nope.properties")) {
			assertThat(demo.awaitExit()).isEqualTo(DemoApplication.EXIT_BAD_CONFIG);
			assertThat(demo.lines()).singleElement()
				.asString()
				.isEqualTo("Demo config file " + this.emptyDirectory.toRealPath().resolve("nope.properties")
						+ ": not found; create it with a line demo.api-key=<key of the user API>, "
						+ "or point --demo.config=<file> at an existing one");
		}
	}

	@Test
	void plainJarNamesTheRunnableOne() throws Exception {
		Path jar = jar("demo.jar");
		try (DemoProcess demo = DemoProcess.java(this.emptyDirectory, Map.of(), "-jar", jar.toString())) {
			assertThat(demo.awaitExit()).isEqualTo(PlainJarNotice.EXIT_WRONG_JAR);
			assertThat(demo.lines()).singleElement()
				.asString()
				.isEqualTo(jar.getFileName() + " holds the demo's classes without their dependencies and does not run "
						+ "on its own; start the demo with: java -jar " + jar.resolveSibling(
								jar.getFileName().toString().replace(".jar", "-exec.jar")));
		}
	}

	private static Path jar(String property) {
		String location = System.getProperty(property);
		assertThat(location).as("system property " + property + " (set by failsafe in demo-app/pom.xml)").isNotNull();
		Path jar = Path.of(location);
		assertThat(jar).as("the packaged jar").satisfies((path) -> assertThat(Files.isRegularFile(path)).isTrue());
		return jar;
	}

}
