package dev.bridge.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@link DemoApplication#main} in a child JVM, since it ends the process on a bad config
 * file: one line on stderr, exit status 78, and Spring never starts.
 */
class DemoApplicationMainTests {

	@TempDir
	Path workingDirectory;

	@Test
	void missingConfigFileExitsWithOneLineNamingTheFile() throws Exception {
		Result result = runMain("--demo.config=demo.properties");
		Path expected = this.workingDirectory.toRealPath().resolve("demo.properties");
		assertThat(result.exitCode()).isEqualTo(DemoApplication.EXIT_BAD_CONFIG);
		assertThat(result.stderr()).singleElement()
			.asString()
			.startsWith("Demo config file " + expected + ": not found;")
			.contains("demo.api-key=<key of the user API>")
			.contains("--demo.config=<file>");
		assertThat(result.stdout()).isEmpty();
	}

	@Test
	void malformedValueExitsWithOneLineNamingTheKey() throws Exception {
		Files.writeString(this.workingDirectory.resolve("demo.properties"),
				"demo.api-key=k\ndemo.upstream.timeout=soon\n", StandardCharsets.UTF_8);
		Result result = runMain();
		assertThat(result.exitCode()).isEqualTo(DemoApplication.EXIT_BAD_CONFIG);
		assertThat(result.stderr()).singleElement()
			.asString()
			.endsWith("demo.properties: demo.upstream.timeout=soon is not a duration; write it like 500ms or 2s, "
					+ "or remove the line");
		assertThat(result.stdout()).isEmpty();
	}

	private Result runMain(String... args) throws IOException, InterruptedException {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
				DemoApplication.class.getName()));
		command.addAll(List.of(args));
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.directory(this.workingDirectory.toFile());
		builder.environment().remove("DEMO_CONFIG");
		Path stdout = Files.createTempFile("demo-main", ".out");
		Path stderr = Files.createTempFile("demo-main", ".err");
		try {
			Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new AssertionError("DemoApplication.main did not exit: it should refuse to start");
			}
			return new Result(process.exitValue(), Files.readAllLines(stdout), Files.readAllLines(stderr));
		}
		finally {
			Files.deleteIfExists(stdout);
			Files.deleteIfExists(stderr);
		}
	}

	private record Result(int exitCode, List<String> stdout, List<String> stderr) {
	}

}
