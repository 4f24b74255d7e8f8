package dev.bridge.autoconfigure;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;
import org.springframework.util.ClassUtils;

import dev.bridge.BlockingBridge;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebFlux application with the starter and nothing optional (no Actuator, no Micrometer
 * observation or metrics module, no meter registry) starts without a WARN or ERROR line;
 * and every auto-configuration Bridge orders itself against by name exists.
 */
class CleanStartTests {

	/** Jars of optional modules, left out of the minimal application's class path. */
	private static final Pattern OPTIONAL = Pattern.compile(
			".*/(spring-boot-actuator|spring-boot-micrometer|spring-boot-health|micrometer-registry|micrometer-observation-test"
					+ "|micrometer-tracing|spring-boot-starter-actuator|spring-security|spring-boot-security"
					+ "|spring-boot-starter-security|spring-boot-jdbc|spring-boot-starter-jdbc|spring-boot-sql|spring-boot-transaction"
					+ "|h2|HikariCP|spring-jdbc|kotlin|blockhound)[^/]*");

	private static final Pattern WARN_OR_ERROR = Pattern.compile("^\\S+\\s+(WARN|ERROR)\\b.*|.*\\s(WARN|ERROR)\\s+\\d+\\s.*");

	@Test
	void minimalWebFluxApplicationStartsWithoutWarnings(@TempDir Path dir) throws Exception {
		String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
			.filter((entry) -> !OPTIONAL.matcher(entry.replace(File.separatorChar, '/')).matches())
			.collect(Collectors.joining(File.pathSeparator));
		Path log = dir.resolve("out.log");
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", classPath, MinimalApp.class.getName(), "--server.port=0", "--server.address=127.0.0.1"));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		// Generous: a JVM start on a 2-CPU machine shared with other builds can take minutes.
		boolean exited = process.waitFor(5, TimeUnit.MINUTES);
		if (!exited) {
			process.destroyForcibly();
		}
		String output = Files.readString(log, StandardCharsets.UTF_8);
		assertThat(exited).as("minimal application exited; its output:%n%s", output).isTrue();
		assertThat(output).as(output).contains("minimal application started with pools [default], "
				+ "observation module present: false, actuator present: false");
		List<String> warnings = output.lines().filter((line) -> WARN_OR_ERROR.matcher(line).matches()).toList();
		assertThat(warnings).as(output).isEmpty();
		assertThat(process.exitValue()).isZero();
	}

	@Test
	void everyAutoConfigurationNamedForOrderingExists() throws Exception {
		List<String> imports = new ClassPathResource(
				"META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")
			.getContentAsString(StandardCharsets.UTF_8)
			.lines()
			.map(String::trim)
			.filter((line) -> line.startsWith("dev.bridge."))
			.toList();
		assertThat(imports).isNotEmpty();
		List<String> named = new ArrayList<>();
		for (String name : imports) {
			AutoConfiguration annotation = Class.forName(name).getAnnotation(AutoConfiguration.class);
			assertThat(annotation).as(name).isNotNull();
			named.addAll(List.of(annotation.afterName()));
			named.addAll(List.of(annotation.beforeName()));
		}
		assertThat(named).isNotEmpty()
			.allSatisfy((className) -> assertThat(ClassUtils.isPresent(className, getClass().getClassLoader()))
				.as("%s names %s", "an auto-configuration", className)
				.isTrue());
	}

	/**
	 * The minimal application: starts, prints what it has, stops.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	public static class MinimalApp {

		public static void main(String[] args) {
			try (ConfigurableApplicationContext context = SpringApplication.run(MinimalApp.class, args)) {
				BlockingBridge bridge = context.getBean(BlockingBridge.class);
				System.out.println("minimal application started with pools "
						+ bridge.pools().stream().map((pool) -> pool.name()).toList() + ", observation module present: "
						+ ClassUtils.isPresent(
								"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
								null)
						+ ", actuator present: "
						+ ClassUtils.isPresent("org.springframework.boot.actuate.endpoint.annotation.Endpoint", null));
			}
		}

	}

}
