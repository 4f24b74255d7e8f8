package dev.bridge.demo.dashboard;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code dashboards/bridge.json} against the running demo: every metric its queries use is
 * in {@code /actuator/prometheus}, with the {@code application} label its variables select on.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "demo.api-key=test-key", "demo.upstream.delay=20ms", "server.address=127.0.0.1",
				"bridge.eventloop.watchdog.startup-grace=0s" })
// Closed after the class: a context paused between test classes (Spring Framework 7) stops the
// BlockingBridge, which does not take work again when the context is resumed.
@DirtiesContext
class GrafanaDashboardTests {

	/** Surefire runs in the module directory. */
	static final Path DASHBOARD = Path.of("..", "dashboards", "bridge.json");

	private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

	private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
			"group_right", "bool", "offset", "and", "or", "unless", "inf", "nan");

	/**
	 * Longest wait for one scrape before it is tried again.
	 */
	private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(15);

	private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");

	@LocalServerPort
	int port;

	WebTestClient client;

	@BeforeEach
	void bindClient() {
		this.client = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(60))
			.build();
	}

	@Test
	void everyMetricTheDashboardQueriesIsScrapedFromTheDemo() throws IOException {
		Set<String> used = dashboardMetrics();
		// Every kind of meter gets a sample: offloaded calls on both pools, and one stall.
		get("/api/users/1");
		get("/api/legacy/1?delayMs=0");
		get("/api/thumbnails/1?size=16");
		get("/naive/legacy/1?delayMs=300");
		try {
			// A scrape that gets no answer in SCRAPE_TIMEOUT is tried again rather than
			// waited for until the deadline.
			await().atMost(Duration.ofSeconds(90))
				.ignoreExceptionsMatching(GrafanaDashboardTests::isScrapeTimeout)
				.untilAsserted(
						() -> assertThat(scrapedMetrics()).as("metrics in /actuator/prometheus").containsAll(used));
		}
		catch (ConditionTimeoutException ex) {
			throw new AssertionError(ex.getMessage() + "; threads that could hold a scrape up:\n" + scrapeThreads(), ex);
		}
		assertThat(scrape()).contains("bridge_pool_rejected_tasks_total{application=\"bridge-demo\"");
	}

	@Test
	void dashboardQueriesThePoolEventLoopAndCallMeters() throws IOException {
		assertThat(dashboardMetrics()).contains("executor_queued_tasks", "executor_active_threads",
				"bridge_pool_rejected_tasks_total", "bridge_pool_cancelled_tasks_total", "bridge_blocking_seconds_count",
				"bridge_blocking_seconds_sum", "bridge_eventloop_delay_seconds_bucket", "bridge_eventloop_stall_seconds",
				"bridge_eventloop_stalls_total");
		assertThat(expressions(dashboard())).anySatisfy(
				(expr) -> assertThat(expr).startsWith("sum by (cause) (increase(bridge_eventloop_stalls_total{"));
	}

	@Test
	void everyPanelQuerySelectsTheApplicationAndInstanceVariables() throws IOException {
		JsonNode dashboard = dashboard();
		List<String> variables = new ArrayList<>();
		dashboard.get("templating").get("list").forEach((variable) -> variables.add(variable.get("name").asString()));
		assertThat(variables).containsExactly("datasource", "application", "instance", "pool");
		assertThat(expressions(dashboard)).isNotEmpty()
			.allSatisfy((expr) -> assertThat(expr).contains("application=\"$application\"", "instance=~\"$instance\""));
	}

	@Test
	void metricNamesAreTakenFromPromQlWithoutFunctionsLabelsOrNumbers() {
		assertThat(metricNames("histogram_quantile(0.99, sum by (le, group) (rate(my_delay_seconds_bucket"
				+ "{application=\"$application\", name=~\"bridge\\\\.$pool\"}[$__rate_interval]))) / on (group) "
				+ "other_total offset 5m * 1e3"))
			.containsExactlyInAnyOrder("my_delay_seconds_bucket", "other_total");
	}

	private Set<String> dashboardMetrics() throws IOException {
		JsonNode dashboard = dashboard();
		Set<String> names = new TreeSet<>();
		for (String expr : expressions(dashboard)) {
			names.addAll(metricNames(expr));
		}
		for (JsonNode variable : dashboard.get("templating").get("list")) {
			if (variable.has("definition")) {
				Matcher matcher = LABEL_VALUES.matcher(variable.get("definition").asString());
				while (matcher.find()) {
					names.add(matcher.group(1));
				}
			}
		}
		return names;
	}

	private static JsonNode dashboard() throws IOException {
		return JsonMapper.builder().build().readTree(DASHBOARD.toFile());
	}

	private static List<String> expressions(JsonNode dashboard) {
		List<String> expressions = new ArrayList<>();
		for (JsonNode target : dashboard.findValues("targets")) {
			target.forEach((query) -> {
				if (query.has("expr")) {
					expressions.add(query.get("expr").asString());
				}
			});
		}
		return expressions;
	}

	/**
	 * The metric names in a PromQL expression: identifiers that are not functions,
	 * aggregations, keywords, label names or parts of a number.
	 */
	static Set<String> metricNames(String expr) {
		String stripped = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
			.replaceAll("\\{[^}]*\\}", " ")
			.replaceAll("\\[[^\\]]*\\]", " ")
			.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
			.replaceAll("\\boffset\\s+\\S+", " ");
		Set<String> names = new TreeSet<>();
		Matcher matcher = IDENTIFIER.matcher(stripped);
		while (matcher.find()) {
			String token = matcher.group();
			boolean function = stripped.substring(matcher.end()).stripLeading().startsWith("(");
			boolean inNumber = matcher.start() > 0
					&& (Character.isDigit(stripped.charAt(matcher.start() - 1)) || stripped.charAt(matcher.start() - 1) == '.');
			if (!function && !inNumber && !KEYWORDS.contains(token.toLowerCase())) {
				names.add(token);
			}
		}
		return names;
	}

	private Set<String> scrapedMetrics() {
		Set<String> names = new TreeSet<>();
		for (String line : scrape().split("\n")) {
			if (!line.isBlank() && !line.startsWith("#")) {
				Matcher matcher = IDENTIFIER.matcher(line);
				if (matcher.lookingAt()) {
					names.add(matcher.group());
				}
			}
		}
		return names;
	}

	private String scrape() {
		return this.client.mutate()
			.responseTimeout(SCRAPE_TIMEOUT)
			.build()
			.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

	/**
	 * Whether a scrape got no answer in time: WebTestClient's blocking read timed out.
	 */
	private static boolean isScrapeTimeout(Throwable ex) {
		return ex instanceof IllegalStateException && ex.getMessage() != null
				&& ex.getMessage().startsWith("Timeout on blocking read");
	}

	/**
	 * Stacks of the threads a scrape goes through: the event loops, Reactor's
	 * {@code boundedElastic} threads (Actuator runs the scrape there) and the pools.
	 */
	private static String scrapeThreads() {
		StringBuilder threads = new StringBuilder();
		Thread.getAllStackTraces().forEach((thread, stack) -> {
			String name = thread.getName();
			if (name.startsWith("webflux-http") || name.startsWith("reactor-http") || name.startsWith("boundedElastic")
					|| name.startsWith("bridge-")) {
				threads.append('"').append(name).append("\" ").append(thread.getState()).append('\n');
				for (StackTraceElement frame : stack) {
					threads.append("\tat ").append(frame).append('\n');
				}
			}
		});
		return threads.toString();
	}

	private void get(String uri) {
		this.client.get().uri(uri).exchange().expectStatus().isOk();
	}

}
