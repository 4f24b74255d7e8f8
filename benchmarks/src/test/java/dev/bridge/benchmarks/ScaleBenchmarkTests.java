package dev.bridge.benchmarks;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.bridge.benchmarks.ScaleBenchmark.Config;
import dev.bridge.benchmarks.ScaleBenchmark.Run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link ScaleBenchmark}'s own logic: where each configuration must run, the
 * bound, the error kinds, and the messages of its knobs.
 */
class ScaleBenchmarkTests {

	@AfterEach
	void clearProperties() {
		System.clearProperty("bench.scale-clients");
	}

	@Test
	void eachConfigurationAcceptsOnlyTheThreadItClaims() {
		assertThat(Config.BRIDGE_PLATFORM.checkThread("bridge-default-3", false)).isNull();
		assertThat(Config.BRIDGE_PLATFORM.checkThread("bridge-default-3", true)).isNotNull();
		assertThat(Config.BRIDGE_VIRTUAL.checkThread("bridge-default-3", true)).isNull();
		assertThat(Config.BRIDGE_VIRTUAL.checkThread("task-3", true)).isNotNull();
		assertThat(Config.BOOT_VIRTUAL.checkThread("task-3", true)).isNull();
		assertThat(Config.BOOT_VIRTUAL.checkThread("reactor-http-epoll-2", false)).isNotNull();
		assertThat(Config.NAIVE.checkThread("reactor-http-epoll-2", false)).isNull();
		assertThat(Config.NAIVE.checkThread("bridge-default-1", false)).isNotNull();
	}

	@Test
	void runOnTheWrongThreadStopsTheProgramNamingTheConfigurationAndTheThread() {
		Run run = run(Config.BOOT_VIRTUAL, 1000, Map.of("handler-thread", "reactor-http-epoll-2", "handler-virtual",
				"false"));
		assertThatIllegalStateException().isThrownBy(run::checkHandlerThread)
			.withMessage("Configuration boot-virtual with 1000 clients ran its first blocking call on "
					+ "'reactor-http-epoll-2 (platform)', expected a virtual thread of Boot's executor; the table "
					+ "would be mislabelled");
	}

	@Test
	void runOnTheClaimedThreadPassesTheCheck() {
		run(Config.BOOT_VIRTUAL, 1000, Map.of("handler-thread", "task-7", "handler-virtual", "true"))
			.checkHandlerThread();
	}

	@Test
	void boundIsTheSmallerOfClientsAndWaitingThreadsOverTheDelay() {
		assertThat(run(Config.BRIDGE_PLATFORM, 4000, Map.of()).bound()).isEqualTo(1000);
		assertThat(run(Config.BRIDGE_PLATFORM, 100, Map.of()).bound()).isEqualTo(500);
		assertThat(run(Config.BOOT_VIRTUAL, 4000, Map.of()).bound()).isEqualTo(20000);
		assertThat(run(Config.NAIVE, 4000, Map.of()).bound()).isEqualTo(20);
	}

	@Test
	void errorsAreSortedByKind() {
		LatencyRecorder recorder = new LatencyRecorder();
		recorder.error("HTTP 503");
		recorder.error("HTTP 503");
		recorder.error("HttpTimeoutException");
		recorder.error("HttpConnectTimeoutException");
		recorder.error("ConnectException");
		recorder.error("HTTP 500");
		Run run = new Run(Config.BRIDGE_PLATFORM, 4000, 1, 1, recorder.summary(), new LatencyRecorder().summary(),
				stats(Map.of()), stats(Map.of()), stats(Map.of()));
		assertThat(run.errors()).isEqualTo("2 / 2 / 1 / 1");
	}

	@Test
	void noErrorsReadAsZeroOfEachKind() {
		assertThat(run(Config.BRIDGE_PLATFORM, 100, Map.of()).errors()).isEqualTo("0 / 0 / 0 / 0");
	}

	@Test
	void clientCountsAreReadAsAList() {
		System.setProperty("bench.scale-clients", "100, 1000");
		assertThat(ScaleBenchmark.intList("bench.scale-clients", "100,1000,4000")).containsExactly(100, 1000);
	}

	@Test
	void clientCountsThatAreNotPositiveIntegersAreRefusedWithTheProperty() {
		System.setProperty("bench.scale-clients", "100,many");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ScaleBenchmark.intList("bench.scale-clients", "100,1000,4000"))
			.withMessage("-Dbench.scale-clients must be a comma-separated list of strictly positive integers, was "
					+ "'100,many'; for example -Dbench.scale-clients=100,1000,4000");
	}

	@Test
	void configurationsAreChosenByLabel() {
		assertThat(ScaleBenchmark.configs("naive, bridge-platform")).containsExactly(Config.NAIVE,
				Config.BRIDGE_PLATFORM);
	}

	@Test
	void unknownConfigurationIsRefusedWithTheKnownOnes() {
		assertThatIllegalArgumentException().isThrownBy(() -> ScaleBenchmark.configs("naive,tomcat"))
			.withMessage("-Dbench.scale-configs names 'tomcat', which is not a configuration; use a comma-separated "
					+ "subset of bridge-platform,bridge-virtual,boot-virtual,naive");
	}

	private static Run run(Config config, int clients, Map<String, String> collected) {
		LatencyRecorder recorder = new LatencyRecorder();
		return new Run(config, clients, 1, 1, recorder.summary(), recorder.summary(), stats(Map.of()),
				stats(Map.of()), stats(collected));
	}

	private static Map<String, String> stats(Map<String, String> extra) {
		Map<String, String> stats = new HashMap<>(Map.of("pool-max-threads", "200", "loops", "4",
				"delay-millis", "200", "nanos", "0", "cpu-nanos", "0"));
		stats.putAll(extra);
		return stats;
	}

}
