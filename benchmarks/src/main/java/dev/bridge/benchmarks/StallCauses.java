package dev.bridge.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.LoopCallEvent;
import dev.bridge.eventloop.LoopCallRecorder;
import dev.bridge.eventloop.StallCause;
import dev.bridge.eventloop.StallReport;

/**
 * Whether stall reports can be trusted, on this machine: the demo under bridged load
 * (thumbnails and legacy calls on the pools) must produce no WARN that blames code, every
 * episode with its cause; then each {@code /naive} request must be reported as
 * {@code blocked} or {@code busy}, naming the naive route's own method, within
 * threshold + interval. Also measures the watchdog's CPU cost (its thread plus the loops'
 * probe work on an idle server) and the CPU cost of the JFR call-site recording.
 * <p>
 * Run with {@code mvn -pl benchmarks exec:exec@stall-causes} after installing the modules.
 */
public final class StallCauses {

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private StallCauses() {
	}

	public static void main(String[] args) throws Exception {
		Path results = Path.of(System.getProperty("bench.results", "results"));
		int seconds = Integer.getInteger("bench.phase-seconds", 60);
		int idleSeconds = Integer.getInteger("bench.idle-seconds", 15);
		int naiveRequests = Integer.getInteger("bench.naive-requests", 10);
		ListAppender<ILoggingEvent> log = new ListAppender<>();
		try (DemoServer server = DemoServer.start(Map.of("bridge.eventloop.watchdog.startup-grace", "2s"))) {
			// after the start: Boot configures logging afresh while the application starts
			log.start();
			Logger reportsLogger = (Logger) LoggerFactory.getLogger(EventLoopReports.class);
			reportsLogger.addAppender(log);
			reportsLogger.setLevel(Level.INFO);
			EventLoopReports reports = server.bean(EventLoopReports.class);
			EventLoopWatchdog watchdog = server.bean(EventLoopWatchdog.class);
			if (reports == null || watchdog == null) {
				throw new IllegalStateException("The demo runs without the event-loop watchdog");
			}
			long threshold = watchdog.getThreshold().toMillis();
			long interval = watchdog.getInterval().toMillis();
			List<StallReport> episodes = new CopyOnWriteArrayList<>();
			// the recorder's blocking calls: when a naive sleep really began on its loop
			List<LoopCallEvent> blockingCalls = new CopyOnWriteArrayList<>();
			reports.addListener(new EventLoopReports.EventLoopListener() {

				@Override
				public void onStall(StallReport report) {
					episodes.add(report);
				}

				@Override
				public void onCallSite(LoopCallEvent event) {
					if (event.blocking()) {
						blockingCalls.add(event);
					}
				}

			});
			Detections detections = new Detections(reports);
			detections.start();
			warmUp(server);
			Thread.sleep(3000);

			// ---- watchdog and recorder cost on an idle server ----
			System.out.println("Idle measurements start at " + Instant.now());
			Cost.Probe watchdogThread = Cost.start((name) -> name.equals(EventLoopWatchdog.THREAD_NAME));
			Cost.Probe loopThreads = Cost.start(watchdog::isLoopThread);
			Thread.sleep(idleSeconds * 1000L);
			Cost idleWatchdogThread = watchdogThread.stop();
			Cost idleLoops = loopThreads.stop();
			Cost idleWatchdog = idleWatchdogThread.plus(idleLoops);
			LoopCallRecorder recorder = new LoopCallRecorder(reports, watchdog, LoopCallRecorder.DEFAULT_THRESHOLD);
			Cost idleOff = Cost.measure(idleSeconds, (name) -> name.startsWith("JFR"));
			recorder.start();
			Thread.sleep(2000);
			Cost idleOn = Cost.measure(idleSeconds, (name) -> name.startsWith("JFR"));

			// ---- bridged load, recorder on ----
			System.out.println("Bridged load starts at " + Instant.now());
			int before = episodes.size();
			int warnsBefore = log.list.size();
			Cost loadedWatchdog;
			Cost loadedJfr;
			try (ClosedLoopClients thumbnails = new ClosedLoopClients("thumbs", 32,
					(n) -> server.uri("/api/thumbnails/" + (n % 50) + "?size=256"));
					ClosedLoopClients legacy = new ClosedLoopClients("legacy", 64,
							(n) -> server.uri("/api/legacy/" + n + "?delayMs=200"))) {
				thumbnails.startMeasuring();
				legacy.startMeasuring();
				Cost.Probe both = Cost.start((name) -> name.equals(EventLoopWatchdog.THREAD_NAME));
				Cost.Probe jfr = Cost.start((name) -> name.startsWith("JFR"));
				Thread.sleep(seconds * 1000L);
				loadedWatchdog = both.stop();
				loadedJfr = jfr.stop();
				thumbnails.stopMeasuring();
				legacy.stopMeasuring();
			}
			Thread.sleep(1000);
			List<StallReport> bridged = new ArrayList<>(episodes.subList(before, episodes.size()));
			List<ILoggingEvent> bridgedLog = new ArrayList<>(log.list.subList(warnsBefore, log.list.size()));

			// ---- naive routes, one request at a time ----
			System.out.println("Naive routes start at " + Instant.now());
			List<String[]> naiveRows = new ArrayList<>();
			HttpClient http = HttpClient.newHttpClient();
			for (int i = 0; i < naiveRequests; i++) {
				for (String route : List.of("/naive/legacy/" + i + "?delayMs=300", "/naive/thumbnails/" + i + "?size=512")) {
					int mark = episodes.size();
					long sent = System.currentTimeMillis();
					http.send(HttpRequest.newBuilder(server.uri(route)).GET().build(),
							HttpResponse.BodyHandlers.discarding());
					long answered = System.currentTimeMillis();
					awaitQuietly(() -> episodes.size() > mark, 3000);
					Thread.sleep(2 * interval + 50);
					List<StallReport> own = new ArrayList<>(episodes.subList(mark, episodes.size()));
					StallReport blamed = own.stream()
						.filter((report) -> report.cause().blamesCode())
						.findFirst()
						.orElse(null);
					String method = (blamed != null) ? naiveMethod(blamed) : "-";
					Long detected = (blamed != null) ? detections.firstSeen(blamed) : null;
					LoopCallEvent block = null;
					if (blamed != null && detected != null && route.startsWith("/naive/legacy")) {
						// the flight recorder hands its events over about once a second
						awaitQuietly(() -> blockOf(blockingCalls, blamed, sent, answered) != null, 5000);
						block = blockOf(blockingCalls, blamed, sent, answered);
					}
					naiveRows.add(new String[] { route.substring(0, route.indexOf('?')), String.valueOf(answered - sent),
							(blamed != null) ? blamed.cause().tagValue() : "none", method,
							(detected != null) ? String.valueOf(detected - sent) : "n/a",
							(block != null) ? String.valueOf(detected - block.at().toEpochMilli()) : "n/a",
							String.valueOf(own.size()) });
				}
			}
			recorder.stop();
			detections.stop();

			// ---- tables ----
			String header = "## Stall causes\n\n" + ResultTable.machine() + "\n\nWatchdog interval " + interval
					+ " ms, threshold " + threshold + " ms; bridged phase " + seconds + " s: 32 clients on "
					+ "/api/thumbnails/{n}?size=256 (pool images, 2 threads) and 64 on /api/legacy/{n}?delayMs=200, "
					+ "JFR call-site recording on.\n";
			ResultTable causes = new ResultTable("phase", "episodes", "blocked", "busy", "starved", "jvm-pause",
					"WARN lines", "WARNs blaming code");
			causes.row(row("bridged load", bridged, bridgedLog));
			List<StallReport> naive = new ArrayList<>(episodes.subList(Math.min(episodes.size(), before + bridged.size()),
					episodes.size()));
			List<ILoggingEvent> naiveLog = new ArrayList<>(log.list.subList(warnsBefore + bridgedLog.size(),
					log.list.size()));
			causes.row(row("naive routes", naive, naiveLog));
			causes.note("WARNs blaming code: WARN lines that name a blocked or busy loop ('has been blocked', "
					+ "'has been busy', and 'was blocked'/'was busy' for episodes decided after the fact from "
					+ "flight-recorder events); starved episodes and JVM pauses are logged without blame.");
			causes.publish(results, "stall-causes", header);

			ResultTable naiveTable = new ResultTable("route", "response ms", "cause", "frame blamed",
					"detected after ms", "after block start ms", "episodes");
			naiveRows.forEach((cells) -> naiveTable.row((Object[]) cells));
			naiveTable.note("Detected after: from sending the request to the episode's first appearance in the "
					+ "reports (polled every 2 ms). After block start: from the start of the sleep on the loop, as "
					+ "the flight recorder timed it (jdk.ThreadSleep), to the same appearance; target threshold + "
					+ "interval = " + (threshold + interval) + " ms.");
			naiveTable.publish(results, "stall-causes-naive", "## Naive routes, one request at a time\n");

			ResultTable cost = new ResultTable("what", "window s", "CPU ms", "% of one core");
			cost.row("watchdog thread + loop threads (probes), idle server", decimal(idleWatchdog.seconds()),
					decimal(idleWatchdog.cpuMillis()), percent(idleWatchdog));
			cost.row("- of which the watchdog thread", decimal(idleWatchdogThread.seconds()),
					decimal(idleWatchdogThread.cpuMillis()), percent(idleWatchdogThread));
			cost.row("- of which the loop threads (" + loopCount(watchdog) + ", probes)", decimal(idleLoops.seconds()),
					decimal(idleLoops.cpuMillis()), percent(idleLoops));
			cost.row("watchdog thread, bridged load", decimal(loadedWatchdog.seconds()),
					decimal(loadedWatchdog.cpuMillis()), percent(loadedWatchdog));
			cost.row("JFR Java threads, recording off, idle", decimal(idleOff.seconds()),
					decimal(idleOff.cpuMillis()), percent(idleOff));
			cost.row("JFR Java threads, recording on, idle", decimal(idleOn.seconds()), decimal(idleOn.cpuMillis()),
					percent(idleOn));
			cost.row("JFR Java threads, recording on, bridged load", decimal(loadedJfr.seconds()),
					decimal(loadedJfr.cpuMillis()), percent(loadedJfr));
			cost.row("process, recording off, idle", decimal(idleOff.seconds()), decimal(idleOff.processCpuMillis()),
					processPercent(idleOff));
			cost.row("process, recording on, idle", decimal(idleOn.seconds()), decimal(idleOn.processCpuMillis()),
					processPercent(idleOn));
			cost.note("CPU time from ThreadMXBean (Java threads by name) and the process CPU time, per second of "
					+ "wall time, as a percentage of one core. On an idle server the loop threads do nothing but run "
					+ "the probes, so their CPU is the probes' cost. JFR's sampler is a native thread that only "
					+ "the process figure includes.");
			cost.publish(results, "stall-causes-cost", "## Watchdog and call-site recording CPU cost\n");

			System.out.println();
			System.out.println("Top call sites on loops (JFR):");
			recorder.topCallSites(10).forEach((site) -> System.out.println("  " + site));
			System.out.println();
			System.out.println("WARN lines during the bridged load:");
			bridgedLog.stream()
				.filter((event) -> event.getLevel() == Level.WARN)
				.forEach((event) -> System.out.println("  " + firstLine(event.getFormattedMessage())));
		}
		System.exit(0);
	}

	private static Object[] row(String phase, List<StallReport> episodes, List<ILoggingEvent> log) {
		Map<StallCause, Integer> counts = new EnumMap<>(StallCause.class);
		for (StallCause cause : StallCause.values()) {
			counts.put(cause, 0);
		}
		episodes.forEach((report) -> counts.merge(report.cause(), 1, Integer::sum));
		long warns = log.stream().filter((event) -> event.getLevel() == Level.WARN).count();
		long blaming = log.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.filter((event) -> event.getFormattedMessage().contains("has been blocked")
					|| event.getFormattedMessage().contains("has been busy")
					|| event.getFormattedMessage().contains("' was blocked for")
					|| event.getFormattedMessage().contains("' was busy running code"))
			.count();
		return new Object[] { phase, episodes.size(), counts.get(StallCause.BLOCKED), counts.get(StallCause.BUSY),
				counts.get(StallCause.STARVED), counts.get(StallCause.JVM_PAUSE), warns, blaming };
	}

	private static String naiveMethod(StallReport report) {
		for (String frame : report.culprit()) {
			if (frame.contains("NaiveController")) {
				return frame.substring(0, frame.indexOf('('));
			}
		}
		return report.culprit().isEmpty() ? "(none)" : report.culprit().get(0);
	}

	private static void warmUp(DemoServer server) throws Exception {
		HttpClient http = HttpClient.newHttpClient();
		for (int i = 0; i < 20; i++) {
			for (String path : List.of("/api/ping", "/api/thumbnails/1?size=64", "/api/legacy/1?delayMs=1")) {
				http.send(HttpRequest.newBuilder(server.uri(path)).GET().build(), HttpResponse.BodyHandlers.discarding());
			}
		}
	}

	private static void awaitQuietly(java.util.function.BooleanSupplier condition, long millis)
			throws InterruptedException {
		long until = System.currentTimeMillis() + millis;
		while (!condition.getAsBoolean() && System.currentTimeMillis() < until) {
			Thread.sleep(5);
		}
	}

	private static String firstLine(String text) {
		int newline = text.indexOf('\n');
		return (newline < 0) ? text : text.substring(0, newline);
	}

	private static String decimal(double value) {
		return String.format(Locale.ROOT, "%.1f", value);
	}

	private static String percent(Cost cost) {
		return String.format(Locale.ROOT, "%.3f %%", cost.cpuMillis() / cost.seconds() / 10);
	}

	private static String processPercent(Cost cost) {
		return String.format(Locale.ROOT, "%.3f %%", cost.processCpuMillis() / cost.seconds() / 10);
	}

	/**
	 * CPU time of the threads a predicate selects, and of the process, over a window.
	 */
	record Cost(double seconds, double cpuMillis, double processCpuMillis) {

		/**
		 * Two sets of threads measured over the same window, together.
		 */
		Cost plus(Cost other) {
			return new Cost(this.seconds, this.cpuMillis + other.cpuMillis, this.processCpuMillis);
		}

		static Cost measure(int seconds, Predicate<String> threads) throws InterruptedException {
			Probe probe = start(threads);
			Thread.sleep(seconds * 1000L);
			return probe.stop();
		}

		static Probe start(Predicate<String> threads) {
			return new Probe(threads, cpuByThread(threads), processCpu(), System.nanoTime());
		}

		record Probe(Predicate<String> threads, Map<Long, Long> before, long processBefore, long start) {

			Cost stop() {
				Map<Long, Long> after = cpuByThread(this.threads);
				long total = 0;
				for (Map.Entry<Long, Long> entry : after.entrySet()) {
					total += entry.getValue() - this.before.getOrDefault(entry.getKey(), 0L);
				}
				double seconds = (System.nanoTime() - this.start) / 1e9;
				return new Cost(seconds, total / 1e6, (processCpu() - this.processBefore) / 1e6);
			}

		}

		private static Map<Long, Long> cpuByThread(Predicate<String> threads) {
			Map<Long, Long> cpu = new ConcurrentHashMap<>();
			for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
				if (info != null && threads.test(info.getThreadName())) {
					long time = THREADS.getThreadCpuTime(info.getThreadId());
					if (time >= 0) {
						cpu.put(info.getThreadId(), time);
					}
				}
			}
			return cpu;
		}

		private static long processCpu() {
			return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
				.getProcessCpuTime();
		}

	}

	/**
	 * Notes when each episode first shows in the reports, to measure detection latency.
	 */
	private static long loopCount(EventLoopWatchdog watchdog) {
		return watchdog.loops().size();
	}

	/**
	 * The recorded sleep of a naive legacy request on the loop the report blames.
	 */
	private static @Nullable LoopCallEvent blockOf(List<LoopCallEvent> calls, StallReport report, long sent,
			long answered) {
		for (LoopCallEvent call : calls) {
			long at = call.at().toEpochMilli();
			if (call.thread().equals(report.thread()) && at >= sent - 5 && at <= answered
					&& call.stack().stream().anyMatch((frame) -> frame.getMethodName().equals("lookupNow"))) {
				return call;
			}
		}
		return null;
	}

	static final class Detections {

		private final EventLoopReports reports;

		private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();

		private volatile boolean running = true;

		private final Thread thread;

		Detections(EventLoopReports reports) {
			this.reports = reports;
			this.thread = new Thread(this::poll, "stall-detections");
			this.thread.setDaemon(true);
		}

		void start() {
			this.thread.start();
		}

		void stop() {
			this.running = false;
		}

		private void poll() {
			while (this.running) {
				long now = System.currentTimeMillis();
				for (StallReport report : this.reports.recentStalls()) {
					this.firstSeen.putIfAbsent(key(report), now);
				}
				try {
					Thread.sleep(2);
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}

		Long firstSeen(StallReport report) {
			return this.firstSeen.get(key(report));
		}

		private static String key(StallReport report) {
			Instant at = report.startedAt();
			return report.thread() + "@" + at.toEpochMilli() / 10;
		}

	}

}
