package dev.bridge.demo.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link DemoConfig#read}: which file {@code main} reads, and when it falls back
 * to the default built into the demo.
 */
class DemoConfigSourceTests {

	private static final String[] NO_ARGUMENTS = {};

	@TempDir
	Path workingDirectory;

	@Test
	void withNothingNamedAndNoFileInTheWorkingDirectoryTheBuiltInDefaultIsRead() {
		DemoConfig config = DemoConfig.read(NO_ARGUMENTS, Map.of(), this.workingDirectory);
		assertThat(config.file()).isNull();
		assertThat(config.apiKey()).isEqualTo("demo-secret-key");
		assertThat(config.upstreamBaseUrl()).isNull();
		assertThat(config.describeSource())
			.isEqualTo("the default built into the demo (dev/bridge/demo/config/demo.properties): "
					+ "no --demo.config, DEMO_CONFIG or ./demo.properties was given");
		assertThat(config.toString()).contains("file=built-in").doesNotContain("demo-secret-key");
	}

	@Test
	void builtInDefaultIsACopyOfTheModulesDemoProperties() throws IOException {
		// Surefire runs in the module directory, where demo.properties is the one users edit.
		Properties shipped = new Properties();
		try (Reader reader = Files.newBufferedReader(Path.of(DemoConfig.FILE_NAME), StandardCharsets.UTF_8)) {
			shipped.load(reader);
		}
		Properties builtIn = new Properties();
		try (InputStream in = getClass().getClassLoader().getResourceAsStream(DemoConfig.BUILT_IN_RESOURCE)) {
			assertThat(in).as(DemoConfig.BUILT_IN_RESOURCE + " on the class path").isNotNull();
			builtIn.load(in);
		}
		assertThat(builtIn).isEqualTo(shipped);
	}

	@Test
	void fileInTheWorkingDirectoryWinsOverTheBuiltInDefault() throws IOException {
		Path file = write(this.workingDirectory.resolve("demo.properties"), "demo.api-key=local-key\n");
		DemoConfig config = DemoConfig.read(NO_ARGUMENTS, Map.of(), this.workingDirectory);
		assertThat(config.file()).isEqualTo(file.toAbsolutePath());
		assertThat(config.apiKey()).isEqualTo("local-key");
		assertThat(config.describeSource()).isEqualTo(file.toAbsolutePath().toString());
	}

	@Test
	void namedFileWinsOverTheOneInTheWorkingDirectory() throws IOException {
		write(this.workingDirectory.resolve("demo.properties"), "demo.api-key=local-key\n");
		write(this.workingDirectory.resolve("other.properties"), "demo.api-key=other-key\n");
		DemoConfig config = DemoConfig.read(new String[] { "--demo.config=other.properties" }, Map.of(),
				this.workingDirectory);
		assertThat(config.apiKey()).isEqualTo("other-key");
	}

	@Test
	void missingNamedFileStopsTheStartInsteadOfFallingBackToTheDefault() {
		Path file = this.workingDirectory.resolve("missing.properties").toAbsolutePath();
		assertThatExceptionOfType(DemoConfigException.class)
			.isThrownBy(() -> DemoConfig.read(new String[] { "--demo.config=missing.properties" }, Map.of(),
					this.workingDirectory))
			.withMessage("Demo config file " + file + ": not found; create it with a line "
					+ "demo.api-key=<key of the user API>, or point --demo.config=<file> at an existing one");
	}

	@Test
	void missingFileNamedByTheEnvironmentStopsTheStartToo() {
		assertThatExceptionOfType(DemoConfigException.class)
			.isThrownBy(() -> DemoConfig.read(NO_ARGUMENTS, Map.of("DEMO_CONFIG", "missing.properties"),
					this.workingDirectory))
			.withMessageContaining("missing.properties: not found;")
			.withMessageContaining("--demo.config=<file>");
	}

	@Test
	void badNamedFileStopsTheStartWithOneLine() throws IOException {
		Path file = write(this.workingDirectory.resolve("bad.properties"), "demo.api-key=k\ndemo.upstream.delay=x\n");
		assertThatExceptionOfType(DemoConfigException.class)
			.isThrownBy(() -> DemoConfig.read(new String[] { "--demo.config=bad.properties" }, Map.of(),
					this.workingDirectory))
			.withMessage("Demo config file " + file.toAbsolutePath()
					+ ": demo.upstream.delay=x is not a duration; write it like 500ms or 2s, or remove the line");
	}

	@Test
	void badFileInTheWorkingDirectoryIsNotReplacedByTheDefault() throws IOException {
		write(this.workingDirectory.resolve("demo.properties"), "demo.upstream.timeout=2s\n");
		assertThatExceptionOfType(DemoConfigException.class)
			.isThrownBy(() -> DemoConfig.read(NO_ARGUMENTS, Map.of(), this.workingDirectory))
			.withMessageEndingWith("required key demo.api-key is missing; add a line demo.api-key=<key of the user API>");
	}

	private static Path write(Path file, String content) throws IOException {
		return Files.writeString(file, content, StandardCharsets.UTF_8);
	}

}
