package dev.bridge.demo.page;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live page at {@code /} in the system's headless Chromium ({@value #CHROMIUM}, driven
 * through {@value #CHROMEDRIVER}): it loads, its charts draw from Actuator, and the naive
 * button raises the stall chart. A screenshot goes to {@code target/demo-page.png}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "demo.api-key=test-key", "demo.upstream.delay=20ms", "server.address=127.0.0.1",
				"bridge.eventloop.watchdog.startup-grace=0s" })
// Closed after the class: a context paused between test classes (Spring Framework 7) stops the
// BlockingBridge, which does not take work again when the context is resumed.
@DirtiesContext
class LivePageBrowserTests {

	static final String CHROMIUM = "/usr/bin/chromium";

	static final String CHROMEDRIVER = "/usr/bin/chromedriver";

	/**
	 * Generous: Spring, Chromium and other builds share two cores.
	 */
	private static final Duration PATIENCE = Duration.ofSeconds(120);

	private static final List<String> CHARTS = List.of("stall", "delay", "depth", "active", "rejected");

	@LocalServerPort
	int port;

	@TempDir
	Path profile;

	private ChromeDriver browser;

	private WebDriverWait wait;

	@BeforeEach
	void openBrowser() {
		assertThat(new File(CHROMIUM)).as("Debian's chromium package (.ci/run installs it)").canRead();
		assertThat(new File(CHROMEDRIVER)).as("Debian's chromium-driver package (.ci/run installs it)").canRead();
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--user-data-dir=" + this.profile, "--window-size=1400,1020", "--force-device-scale-factor=1");
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(CHROMEDRIVER))
			.usingAnyFreePort()
			.build();
		this.browser = new ChromeDriver(service, options);
		this.browser.manage().timeouts().pageLoadTimeout(PATIENCE).scriptTimeout(PATIENCE);
		this.wait = new WebDriverWait(this.browser, PATIENCE, Duration.ofMillis(200));
		this.browser.get("http://127.0.0.1:" + this.port + "/");
	}

	@AfterEach
	void closeBrowser() {
		if (this.browser != null) {
			this.browser.quit();
		}
	}

	@Test
	void pageDrawsEveryChartFromActuator() {
		assertThat(this.browser.getTitle()).isEqualTo("Bridge demo: pools and event loops");
		awaitPolls(3);
		for (String chart : CHARTS) {
			this.wait.withMessage("chart " + chart + " to have a series with points and drawn pixels")
				.until((browser) -> points(chart) >= 2 && drawnPixels(chart) > 500);
		}
		assertThat(script("return bridgeDemo.charts.depth.data.datasets.map(d => d.label).sort().join(',')"))
			.isEqualTo("default,images");
		assertThat(texts("#pools tbody tr th")).containsExactly("default", "images");
		assertThat(count("return bridgeDemo.failures")).isZero();
	}

	@Test
	void naiveLoadRaisesTheStallChartAndBridgedLoadBlamesNoCode() throws IOException {
		awaitPolls(2);
		click("bridged");
		assertThat(stallCulprits()).noneMatch((culprit) -> culprit.contains("LegacyClient"));
		long naiveStarted = count("return Date.now()");
		click("naive");
		// The page reads the stall gauge through the loops the naive load blocks, so a reading
		// may land only between stalls: run the naive load again until one lands during a stall.
		this.wait.withMessage("the stall chart to rise above 0 after the naive load started")
			.until((browser) -> stallChartRoseSince(naiveStarted) || naiveAgain(naiveStarted));
		this.wait.withMessage("a stall report blaming the legacy call")
			.until((browser) -> stallCulprits().stream().anyMatch((culprit) -> culprit.startsWith(
					"dev.bridge.demo.legacy.LegacyClient.lookupNow(")));
		// While the report blaming the legacy call is still among the ones shown.
		Path screenshot = Path.of("target", "demo-page.png");
		Files.createDirectories(screenshot.getParent());
		Files.write(screenshot, this.browser.getScreenshotAs(OutputType.BYTES));
		assertThat(screenshot).isNotEmptyFile();
		assertThat(stallCauses()).allMatch((cause) -> cause.isEmpty() || List
			.of("blocked", "busy", "starved", "jvm-pause")
			.contains(cause));
	}

	private boolean stallChartRoseSince(long since) {
		return (Boolean) script("return bridgeDemo.charts.stall.data.datasets[0].data"
				+ ".some(p => p.x >= arguments[0] && p.y > 0)", since);
	}

	private boolean naiveAgain(long since) {
		click("naive");
		return stallChartRoseSince(since);
	}

	private void click(String mode) {
		this.browser.findElement(By.id("load-" + mode)).click();
		this.wait.withMessage("the " + mode + " load's report")
			.until((browser) -> (Boolean) script(
					"return document.querySelector(\"#load-results tr[data-mode='\" + arguments[0] + \"']\").dataset.done === 'true'",
					mode));
		assertThat(texts("#load-results tr[data-mode='" + mode + "'] td")).contains("12/12");
		this.wait.withMessage("the buttons to be enabled again")
			.until((browser) -> this.browser.findElement(By.id("load-naive")).isEnabled());
	}

	private List<String> stallCulprits() {
		return texts("#stalls tbody td.culprit");
	}

	private List<String> stallCauses() {
		return texts("#stalls tbody tr:not(.empty) td:nth-child(4)");
	}

	/**
	 * Texts of the elements a selector matches, read in one script: the page re-renders its
	 * tables every second, so elements looked up one by one may be gone when read.
	 */
	@SuppressWarnings("unchecked")
	private List<String> texts(String selector) {
		return (List<String>) script(
				"return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())", selector);
	}

	private void awaitPolls(long polls) {
		this.wait.withMessage("the page to have read Actuator " + polls + " times")
			.until((browser) -> polls() >= polls);
	}

	private long polls() {
		return count("return bridgeDemo.polls");
	}

	private long points(String chart) {
		return count("return Math.max(0, ...bridgeDemo.charts." + chart + ".data.datasets.map(d => d.data.length))");
	}

	/**
	 * Pixels the chart painted on its canvas: axes, labels and lines, not a blank canvas.
	 */
	private long drawnPixels(String chart) {
		return count("const c = document.getElementById('chart-" + chart + "');"
				+ "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
				+ "let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n;");
	}

	private long count(String script) {
		return ((Number) script(script)).longValue();
	}

	private Object script(String script, Object... arguments) {
		return ((JavascriptExecutor) this.browser).executeScript(script, arguments);
	}

}
