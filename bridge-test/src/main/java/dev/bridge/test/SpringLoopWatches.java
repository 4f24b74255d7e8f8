package dev.bridge.test;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

import org.springframework.context.ApplicationContext;
import org.springframework.test.context.junit.jupiter.SpringExtension;

import dev.bridge.eventloop.BlockHoundReporter;
import dev.bridge.eventloop.BridgeBlockHoundIntegration;
import dev.bridge.eventloop.EventLoopWatchdog;
import dev.bridge.eventloop.LoopCallRecorder;

/**
 * The watchdog of a Spring test's application context.
 */
final class SpringLoopWatches {

	private SpringLoopWatches() {
	}

	static LoopWatch forTest(ExtensionContext context, WatchSettings settings) {
		ApplicationContext applicationContext = SpringExtension.getApplicationContext(context);
		EventLoopWatchdog watchdog = applicationContext.getBeanProvider(EventLoopWatchdog.class).getIfUnique();
		if (watchdog == null) {
			throw new ExtensionConfigurationException("@NoEventLoopBlocking on "
					+ context.getRequiredTestClass().getName() + " needs Bridge's event-loop watchdog, but the "
					+ "application context has no EventLoopWatchdog bean: bridge.eventloop.watchdog.enabled=false or "
					+ "bridge.enabled=false turns it off, or Bridge's auto-configuration is not part of this context. "
					+ "Remove that setting for this test, or remove @NoEventLoopBlocking.");
		}
		// BlockHound's findings go to one channel per JVM: a test without a context may have
		// taken them over, so this context takes them back
		if (applicationContext.getBeanProvider(BlockHoundReporter.class).stream()
			.anyMatch(BlockHoundReporter::isActive)) {
			BridgeBlockHoundIntegration.reportTo(watchdog.getReports());
		}
		LoopWatch watch = new LoopWatch(watchdog,
				"the application context of " + context.getRequiredTestClass().getName());
		if (settings.strict() && applicationContext.getBeanProvider(LoopCallRecorder.class).getIfUnique() == null) {
			throw new ExtensionConfigurationException("@NoEventLoopBlocking(strict = true) on "
					+ context.getRequiredTestClass().getName() + " needs Bridge's call-site recorder, but the "
					+ "application context has none: bridge.eventloop.call-sites.enabled=false turns it off. Remove "
					+ "that setting for this test, or use strict = false.");
		}
		// a cached context that was paused between test classes restarts its watchdog, which
		// learns each loop's thread again in its first rounds
		watch.awaitRounds();
		return watch;
	}

}
