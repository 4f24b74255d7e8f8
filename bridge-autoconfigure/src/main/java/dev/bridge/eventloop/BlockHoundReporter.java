package dev.bridge.eventloop;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;

import dev.bridge.settings.SettingFailures;
import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound with {@link BridgeBlockHoundIntegration} (once per JVM: BlockHound is
 * global) and connects it to this application's {@link EventLoopReports}, for
 * {@code bridge.blockhound.enabled=true}.
 * <p>
 * BlockHound instruments JDK classes by adding methods to them, which JDK 13 and newer only
 * allow with the JVM flag {@code -XX:+AllowRedefinitionToAddDeleteMethods}; on JDK 17 and
 * later (25 included) it works with that flag. Without it, start-up fails with a message
 * that names the flag. On JDK 21 and later the JVM also warns that an agent was loaded
 * dynamically; {@code -XX:+EnableDynamicAgentLoading} silences that.
 */
public class BlockHoundReporter implements InitializingBean, DisposableBean {

	/**
	 * The JVM flag BlockHound needs on JDK 13 and newer.
	 */
	public static final String REDEFINITION_FLAG = "-XX:+AllowRedefinitionToAddDeleteMethods";

	private static final Log logger = LogFactory.getLog(BlockHoundReporter.class);

	private static final Object installMonitor = new Object();

	// guarded by installMonitor: BlockHound refuses a second install, even after a failed one
	private static boolean installAttempted;

	private static @Nullable RuntimeException installFailure;

	private final EventLoopReports reports;

	private final SettingFailures failures;

	/**
	 * A reporter that sends what BlockHound catches to {@code reports}.
	 * @param reports the channel
	 * @param failures makes the exception thrown when BlockHound cannot be installed
	 */
	public BlockHoundReporter(EventLoopReports reports, SettingFailures failures) {
		this.reports = reports;
		this.failures = failures;
	}

	@Override
	public void afterPropertiesSet() {
		install(this.failures);
		if (!BridgeBlockHoundIntegration.isApplied()) {
			logger.warn("BlockHound was already installed in this JVM without Bridge's integration, so "
					+ "bridge.blockhound.enabled=true cannot route its findings: blocking calls on event loops "
					+ "fail with BlockingOperationError instead of being reported. Pass new "
					+ "BridgeBlockHoundIntegration() to your BlockHound.install(...) call, or remove that call "
					+ "and let Bridge install BlockHound.");
			return;
		}
		BridgeBlockHoundIntegration.reportTo(this.reports);
	}

	@Override
	public void destroy() {
		BridgeBlockHoundIntegration.disconnect(this.reports);
	}

	/**
	 * Whether BlockHound was installed by Bridge, or by anyone with Bridge's integration.
	 * @return {@code true} when blocking calls on loops are caught and reported
	 */
	public boolean isActive() {
		return BridgeBlockHoundIntegration.isApplied();
	}

	private static void install(SettingFailures failures) {
		synchronized (installMonitor) {
			if (!installAttempted) {
				installAttempted = true;
				try {
					BlockHound.install(new BridgeBlockHoundIntegration());
				}
				catch (RuntimeException | LinkageError ex) {
					installFailure = installFailure(ex, failures);
				}
			}
			if (installFailure != null) {
				throw installFailure;
			}
		}
	}

	static RuntimeException installFailure(Throwable ex, SettingFailures failures) {
		RuntimeException failure = failures.failure("bridge.blockhound.enabled",
				"is true but BlockHound could not instrument this JVM (" + rootMessage(ex) + ")",
				"start the JVM with " + REDEFINITION_FLAG + " (BlockHound needs it on JDK 13 and newer), "
						+ "or set bridge.blockhound.enabled=false");
		failure.initCause(ex);
		return failure;
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String message = root.getMessage();
		return root.getClass().getSimpleName() + ((message != null) ? ": " + message.lines().findFirst().orElse("")
				: "");
	}

}
