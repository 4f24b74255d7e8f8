package dev.bridge.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.util.ClassUtils;

import dev.bridge.eventloop.BridgeBlockHoundIntegration;
import dev.bridge.eventloop.EventLoopReports;
import dev.bridge.eventloop.EventLoopSource;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.ParallelSchedulerLoopSource;
import dev.bridge.eventloop.ReactorNettyLoopSource;
import dev.bridge.eventloop.WatchdogSettings;
import reactor.netty.http.HttpResources;

/**
 * Watchdogs for tests without an application context: on Reactor Netty's global loops
 * ({@code HttpResources}, which {@code HttpServer} and {@code HttpClient} use unless told
 * otherwise) and {@code Schedulers.parallel()}, with no start-up grace. One per threshold,
 * started on first use and kept for the life of the JVM (a daemon thread), so that every
 * loop's thread is known before the first test that uses it starts. Strict mode adds a JDK
 * Flight Recorder call-site recorder on the same loops, also kept once started.
 */
final class GlobalLoopWatches {

	private static final boolean REACTOR_NETTY_PRESENT = ClassUtils.isPresent("reactor.netty.http.HttpResources",
			GlobalLoopWatches.class.getClassLoader());

	private static final boolean BLOCKHOUND_PRESENT = ClassUtils.isPresent("reactor.blockhound.BlockHound",
			GlobalLoopWatches.class.getClassLoader());

	private static final Map<Duration, LoopWatch> watches = new ConcurrentHashMap<>();

	private GlobalLoopWatches() {
	}

	/**
	 * The watch for stalls of {@code settings}' threshold, started and through its first
	 * rounds.
	 * @param settings the settings
	 * @return the watch
	 */
	static LoopWatch forSettings(WatchSettings settings) {
		LoopWatch watch = watches.computeIfAbsent(settings.threshold(), (threshold) -> start(settings));
		connectBlockHound(watch.reports());
		if (settings.strict()) {
			watch.recordCalls();
		}
		return watch;
	}

	private static LoopWatch start(WatchSettings settings) {
		List<EventLoopSource> sources = new ArrayList<>();
		if (REACTOR_NETTY_PRESENT) {
			sources.add(ReactorNetty.globalLoops());
		}
		sources.add(new ParallelSchedulerLoopSource());
		EventLoopWatchdog watchdog = new EventLoopWatchdog(
				new WatchdogSettings(settings.interval(), settings.threshold(), Duration.ZERO), sources,
				new EventLoopReports());
		watchdog.start();
		LoopWatch watch = new LoopWatch(watchdog, "@NoEventLoopBlocking (global loops, threshold "
				+ WatchSettings.format(settings.threshold()) + ")");
		// the first round posts the probes, the second learns each loop's thread
		watch.awaitRounds();
		return watch;
	}

	/**
	 * Sends what BlockHound catches to {@code reports}, when BlockHound is installed with
	 * Bridge's integration.
	 * @param reports the channel of the running test's watchdog
	 */
	static void connectBlockHound(EventLoopReports reports) {
		if (BLOCKHOUND_PRESENT && BridgeBlockHoundIntegration.isApplied()) {
			BridgeBlockHoundIntegration.reportTo(reports);
		}
	}

	private static final class ReactorNetty {

		static EventLoopSource globalLoops() {
			return new ReactorNettyLoopSource(HttpResources::get);
		}

	}

}
