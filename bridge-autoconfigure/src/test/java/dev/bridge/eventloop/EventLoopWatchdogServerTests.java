package dev.bridge.eventloop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

import dev.bridge.Blocking;
import dev.bridge.eventloop.StallReport.Kind;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The watchdog in a running WebFlux application on Reactor Netty, with the default interval
 * and threshold.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "bridge.eventloop.watchdog.startup-grace=0s", "management.metrics.use-global-registry=false" })
@ExtendWith(OutputCaptureExtension.class)
class EventLoopWatchdogServerTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@LocalServerPort
	private int port;

	@Autowired
	private EventLoopWatchdog watchdog;

	@Autowired
	private MeterRegistry registry;

	@Autowired
	private Routes routes;

	@Autowired
	private SlowService slowService;

	@Test
	void routeThatSleepsOnTheLoopIsReportedOnceWithItsMethod(CapturedOutput output) {
		warmUp("/ping");
		int logStart = output.getAll().length();
		long blamedBefore = blamedStalls();
		assertThat(get("/sleep")).isEqualTo("slept");
		awaitRounds(2);
		await().atMost(TIMEOUT)
			.until(() -> !reportsNaming("sleepOnTheLoop").isEmpty()
					&& reportsNaming("sleepOnTheLoop").stream().allMatch(StallReport::ended));
		StallReport report = reportsNaming("sleepOnTheLoop").get(0);
		assertThat(reportsNaming("sleepOnTheLoop")).hasSize(1);
		assertThat(report.thread()).isIn(reactorNettyThreads());
		assertThat(report.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
		assertThat(report.stack()).anyMatch((frame) -> frame.contains("Thread.sleep"));
		// starved episodes of a loaded machine may come and go; only this one blames code
		assertThat(blamedStalls() - blamedBefore).isEqualTo(1);
		String log = output.getAll().substring(logStart);
		assertThat(report.cause()).isEqualTo(StallCause.BLOCKED);
		assertThat(log).containsOnlyOnce("Event loop thread '" + report.thread() + "' has been blocked for")
			.containsOnlyOnce("Event loop thread '" + report.thread() + "' is running again after a stall of")
			.contains("EventLoopWatchdogServerTests$Routes.sleepOnTheLoop(");
	}

	@Test
	void stallGaugeShowsTheStallWhileItLasts() throws Exception {
		warmUp("/ping");
		CompletableFuture<String> response = client().get().uri("/hold").retrieve().bodyToMono(String.class).toFuture();
		assertThat(this.routes.entered.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		try {
			await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> stallGauge() > 0);
			assertThat(stallGauge()).isGreaterThanOrEqualTo(0.1);
			assertThat(this.watchdog.loops())
				.anyMatch((stats) -> stats.stalledFor().compareTo(Duration.ofMillis(100)) >= 0);
			// the gauge is live; the report comes with the watchdog's next round
			await().atMost(TIMEOUT).until(() -> !reportsNaming("holdTheLoop").isEmpty());
			assertThat(reportsNaming("holdTheLoop")).singleElement()
				.satisfies((report) -> assertThat(report.ended()).isFalse());
		}
		finally {
			this.routes.release.countDown();
		}
		assertThat(response.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("held");
		await().atMost(TIMEOUT).until(() -> stallGauge() == 0);
		await().atMost(TIMEOUT).until(() -> reportsNaming("holdTheLoop").get(0).ended());
	}

	@Test
	void routeOffloadedWithBlockingIsNotReported() {
		warmUp("/offloaded?ms=0");
		long blamedBefore = blamedStalls();
		assertThat(get("/offloaded?ms=300")).isEqualTo("loaded");
		assertThat(this.slowService.lastThread()).startsWith("bridge-default-");
		awaitRounds(2);
		// a loop starved of CPU by a loaded machine is no stall of this route's making
		assertThat(blamedStalls()).as(() -> this.watchdog.recentStalls().toString()).isEqualTo(blamedBefore);
		assertThat(reportsNaming("loadSlowly")).isEmpty();
	}

	@Test
	void serverLoopsAreProbedAndTheirDelaysTimed() {
		assertThat(get("/ping")).isEqualTo("pong");
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(this.watchdog.loops())
				.anyMatch((stats) -> stats.group().equals(ReactorNettyLoopSource.GROUP)
						&& stats.thread().contains("-http-"))
				.anyMatch((stats) -> stats.group().equals(ParallelSchedulerLoopSource.GROUP)));
		await().atMost(TIMEOUT).until(() -> delayTimer().count() > 0);
	}

	/**
	 * Sends a first request, whose one-off costs (class loading, compilation) may stall a
	 * loop on their own, and waits until the watchdog has settled every episode.
	 */
	private long blamedStalls() {
		EventLoopReports reports = this.watchdog.getReports();
		return reports.stalls(StallCause.BLOCKED) + reports.stalls(StallCause.BUSY);
	}

	private void warmUp(String uri) {
		assertThat(get(uri)).isNotEmpty();
		awaitRounds(2);
		await().atMost(TIMEOUT)
			.until(() -> this.watchdog.currentStallSeconds() == 0
					&& this.watchdog.recentStalls().stream().allMatch(StallReport::ended));
		awaitRounds(2);
	}

	/**
	 * Waits for rounds of the watchdog, after which anything that happened before is reported.
	 */
	private void awaitRounds(int rounds) {
		long target = this.watchdog.rounds() + rounds;
		await().atMost(TIMEOUT).until(() -> this.watchdog.rounds() >= target);
	}

	private List<String> reactorNettyThreads() {
		return this.watchdog.loops()
			.stream()
			.filter((stats) -> stats.group().equals(ReactorNettyLoopSource.GROUP))
			.map(LoopStats::thread)
			.toList();
	}

	private Timer delayTimer() {
		return this.registry.get("bridge.eventloop.delay").tag("group", ReactorNettyLoopSource.GROUP).timer();
	}

	private double stallGauge() {
		return this.registry.get("bridge.eventloop.stall").gauge().value();
	}

	private List<StallReport> reportsNaming(String method) {
		return this.watchdog.recentStalls()
			.stream()
			.filter((report) -> report.kind() == Kind.LOOP_STALL)
			.filter((report) -> report.stack().stream().anyMatch((frame) -> frame.contains("." + method + "(")))
			.toList();
	}

	private String get(String uri) {
		return client().get().uri(uri).retrieve().bodyToMono(String.class).block(TIMEOUT);
	}

	private WebClient client() {
		return WebClient.create("http://localhost:" + this.port);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ Routes.class, SlowService.class })
	static class TestApplication {

		@Bean
		SimpleMeterRegistry simpleMeterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	@RestController
	static class Routes {

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		private final SlowService slowService;

		Routes(SlowService slowService) {
			this.slowService = slowService;
		}

		@GetMapping("/ping")
		String ping() {
			return "pong";
		}

		@GetMapping("/sleep")
		String sleepOnTheLoop() throws InterruptedException {
			// the anti-pattern under test: blocking right on the event loop
			Thread.sleep(300);
			return "slept";
		}

		@GetMapping("/hold")
		String holdTheLoop() throws InterruptedException {
			this.entered.countDown();
			this.release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			return "held";
		}

		@GetMapping("/offloaded")
		Mono<String> offloaded(@RequestParam long ms) {
			return this.slowService.loadSlowly(ms);
		}

	}

	static class SlowService {

		private volatile String lastThread = "";

		// a method, not the field: the caller holds the aspect's proxy
		public String lastThread() {
			return this.lastThread;
		}

		@Blocking
		public Mono<String> loadSlowly(long ms) {
			this.lastThread = Thread.currentThread().getName();
			try {
				Thread.sleep(ms);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return Mono.just("loaded");
		}

	}

}
