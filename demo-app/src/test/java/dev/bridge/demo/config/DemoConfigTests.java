package dev.bridge.demo.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link DemoConfig}: what {@code main} reads before Spring starts.
 */
class DemoConfigTests {

	@TempDir
	Path directory;

	@Test
	void shippedFileLoadsWithTheBuiltInUserApi() {
		// Surefire runs in the module directory, like spring-boot:run.
		DemoConfig config = DemoConfig.load(Path.of(DemoConfig.FILE_NAME));
		assertThat(config.apiKey()).isEqualTo("demo-secret-key");
		assertThat(config.upstreamBaseUrl()).isNull();
		assertThat(config.upstreamTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(config.upstreamDelay()).isEqualTo(Duration.ofMillis(50));
	}

	@Test
	void fileInTheWorkingDirectoryIsTheDefault() {
		assertThat(DemoConfig.locate(new String[0], Map.of(), this.directory))
			.isEqualTo(this.directory.resolve("demo.properties").toAbsolutePath());
	}

	@Test
	void commandLineArgumentWinsOverTheEnvironment() {
		Path located = DemoConfig.locate(new String[] { "--server.port=0", "--demo.config=conf/a.properties" },
				Map.of("DEMO_CONFIG", "b.properties"), this.directory);
		assertThat(located).isEqualTo(this.directory.resolve("conf/a.properties").toAbsolutePath());
	}

	@Test
	void environmentVariableNamesAnotherFile() {
		Path located = DemoConfig.locate(new String[0], Map.of("DEMO_CONFIG", "/etc/demo/b.properties"),
				this.directory);
		assertThat(located).isEqualTo(Path.of("/etc/demo/b.properties"));
	}

	@Test
	void everyKeyIsRead() throws IOException {
		Path file = write("demo.api-key = k1\ndemo.upstream.base-url=http://users.internal:9000/api/\n"
				+ "demo.upstream.timeout=750ms\ndemo.upstream.delay=0s\n");
		DemoConfig config = DemoConfig.load(file);
		assertThat(config.apiKey()).isEqualTo("k1");
		assertThat(config.upstreamBaseUrl()).isEqualTo(URI.create("http://users.internal:9000/api/"));
		assertThat(config.upstreamTimeout()).isEqualTo(Duration.ofMillis(750));
		assertThat(config.upstreamDelay()).isZero();
		assertThat(config.toProperties()).containsEntry("demo.api-key", "k1")
			.containsEntry("demo.upstream.base-url", "http://users.internal:9000/api/")
			.containsEntry("demo.upstream.timeout", "PT0.75S");
	}

	@Test
	void emptyBaseUrlMeansTheBuiltInUserApi() throws IOException {
		DemoConfig config = DemoConfig.load(write("demo.api-key=k\ndemo.upstream.base-url=\n"));
		assertThat(config.upstreamBaseUrl()).isNull();
		assertThat(config.toProperties()).doesNotContainKey("demo.upstream.base-url");
	}

	@Test
	void toStringKeepsTheApiKeyOut() throws IOException {
		DemoConfig config = DemoConfig.load(write("demo.api-key=very-secret\n"));
		assertThat(config.toString()).doesNotContain("very-secret").contains("built-in");
	}

	@Test
	void missingFileNamesTheFileAndTheKeyToWrite() {
		Path file = this.directory.resolve("demo.properties");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file + ": not found; create it with a line "
					+ "demo.api-key=<key of the user API>, or point --demo.config=<file> at an existing one")
			.satisfies((ex) -> assertThat(ex.getKey()).isEqualTo("demo.api-key"));
	}

	@Test
	void missingApiKeyIsNamed() throws IOException {
		Path file = write("demo.upstream.timeout=2s\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file + ": required key demo.api-key is missing; "
					+ "add a line demo.api-key=<key of the user API>");
	}

	@Test
	void emptyApiKeyIsNamed() throws IOException {
		Path file = write("demo.api-key=   \n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file
					+ ": demo.api-key is empty; give it a value, demo.api-key=<key of the user API>");
	}

	@Test
	void misspelledKeyIsNamedWithTheKnownOnes() throws IOException {
		Path file = write("demo.api-key=k\ndemo.upstream.timout=2s\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file + ": unknown key demo.upstream.timout; the known keys are "
					+ "[demo.api-key, demo.upstream.base-url, demo.upstream.timeout, demo.upstream.delay] "
					+ "(check the spelling)")
			.satisfies((ex) -> assertThat(ex.getKey()).isEqualTo("demo.upstream.timout"));
	}

	@Test
	void unparsableTimeoutIsNamed() throws IOException {
		Path file = write("demo.api-key=k\ndemo.upstream.timeout=soon\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file
					+ ": demo.upstream.timeout=soon is not a duration; write it like 500ms or 2s, or remove the line");
	}

	@Test
	void zeroTimeoutIsRefused() throws IOException {
		Path file = write("demo.api-key=k\ndemo.upstream.timeout=0s\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file
					+ ": demo.upstream.timeout=0s must be strictly positive; write it like 500ms or 2s");
	}

	@Test
	void negativeDelayIsRefused() throws IOException {
		Path file = write("demo.api-key=k\ndemo.upstream.delay=-5ms\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file
					+ ": demo.upstream.delay=-5ms must be positive or zero; write it like 500ms or 2s");
	}

	@Test
	void baseUrlMustBeAbsoluteHttp() throws IOException {
		Path file = write("demo.api-key=k\ndemo.upstream.base-url=ftp://users/api\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file + ": demo.upstream.base-url=ftp://users/api is not an "
					+ "absolute http(s) URL; write it like http://localhost:9000/api, or leave it empty for the "
					+ "built-in user API");
	}

	@Test
	void baseUrlMustParse() throws IOException {
		Path file = write("demo.api-key=k\ndemo.upstream.base-url=http://users internal\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessageStartingWith("Demo config file " + file
					+ ": demo.upstream.base-url=http://users internal is not a URL (Illegal character in authority)")
			.satisfies((ex) -> assertThat(ex.getKey()).isEqualTo("demo.upstream.base-url"));
	}

	@Test
	void brokenEscapeIsReportedAsMalformed() throws IOException {
		Path file = write("demo.api-key=\\u12\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessageStartingWith("Demo config file " + file + ": is malformed (Malformed \\uxxxx encoding.)");
	}

	@Test
	void nonUtf8FileIsReported() throws IOException {
		Path file = this.directory.resolve("latin1.properties");
		Files.write(file, new byte[] { 'd', 'e', 'm', 'o', '.', 'a', 'p', 'i', '-', 'k', 'e', 'y', '=', (byte) 0xE9 });
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.withMessage("Demo config file " + file + ": is not UTF-8 text; save it as UTF-8");
	}

	@Test
	void everyMessageIsOneLine() throws IOException {
		Path file = write("demo.api-key=k\ndemo.upstream.base-url=http://users internal\n");
		assertThatExceptionOfType(DemoConfigException.class).isThrownBy(() -> DemoConfig.load(file))
			.satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("\n", "\r"));
	}

	private Path write(String content) throws IOException {
		Path file = this.directory.resolve("demo.properties");
		Files.writeString(file, content, StandardCharsets.UTF_8);
		return file;
	}

}
