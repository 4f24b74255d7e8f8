package dev.bridge.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * The demo, or another Java program, in a child JVM whose output goes to a file that tests
 * read while it runs. Closing it stops the process.
 */
final class DemoProcess implements AutoCloseable {

	/**
	 * Longest wait for a line: a Spring start on a loaded 2-core machine can take a while.
	 */
	static final Duration PATIENCE = Duration.ofMinutes(3);

	private static final Pattern PORT = Pattern.compile("Netty started on port (\\d+)");

	private final Process process;

	private final Path output;

	private DemoProcess(Process process, Path output) {
		this.process = process;
		this.output = output;
	}

	/**
	 * Starts {@code java <arguments>} with this test's JVM.
	 * @param workingDirectory where it runs
	 * @param environment variables to add; {@code DEMO_CONFIG} is always removed
	 * @param arguments the JVM's arguments
	 * @return the running process
	 * @throws IOException if it cannot start
	 */
	static DemoProcess java(Path workingDirectory, Map<String, String> environment, String... arguments)
			throws IOException {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		List<String> command = new ArrayList<>();
		command.add(java.toString());
		command.addAll(List.of(arguments));
		Path output = Files.createTempFile("demo-process", ".log");
		ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
			.redirectErrorStream(true)
			.redirectOutput(output.toFile());
		builder.environment().remove("DEMO_CONFIG");
		builder.environment().putAll(environment);
		return new DemoProcess(builder.start(), output);
	}

	/**
	 * Everything the process printed so far, stdout and stderr merged.
	 * @return the lines
	 */
	List<String> lines() {
		try {
			return Files.readAllLines(this.output, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Waits for a line that contains a match of a pattern.
	 * @param pattern the pattern
	 * @return the match
	 */
	Matcher awaitLine(Pattern pattern) {
		AtomicReference<Matcher> found = new AtomicReference<>();
		await().atMost(PATIENCE)
			.failFast("the process ended before printing /" + pattern + "/", () -> {
				if (!this.process.isAlive() && find(pattern) == null) {
					throw new AssertionError(String.join("\n", lines()));
				}
			})
			.until(() -> {
				found.set(find(pattern));
				return found.get() != null;
			});
		return found.get();
	}

	private Matcher find(Pattern pattern) {
		for (String line : lines()) {
			Matcher matcher = pattern.matcher(line);
			if (matcher.find()) {
				return matcher;
			}
		}
		return null;
	}

	/**
	 * Waits until the demo's server listens.
	 * @return its port
	 */
	int awaitPort() {
		return Integer.parseInt(awaitLine(PORT).group(1));
	}

	/**
	 * Waits for the process to end on its own.
	 * @return its exit status
	 * @throws InterruptedException if interrupted while waiting
	 */
	int awaitExit() throws InterruptedException {
		if (!this.process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
			throw new AssertionError("The process did not end:\n" + String.join("\n", lines()));
		}
		return this.process.exitValue();
	}

	@Override
	public void close() throws Exception {
		this.process.destroy();
		if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
			this.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
		}
		Files.deleteIfExists(this.output);
	}

}
