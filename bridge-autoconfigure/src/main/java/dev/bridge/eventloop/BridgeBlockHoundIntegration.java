package dev.bridge.eventloop;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Bridge's rules for BlockHound: the bridge pools' threads (named {@code bridge-*}) may
 * block, and a blocking call on an event loop is reported through {@link EventLoopReports}
 * (a WARN with the stack, the {@code bridge.eventloop.blocking.calls} counter, a
 * {@link StallReport.Kind#BLOCKING_CALL} report) instead of failing with BlockHound's
 * {@code BlockingOperationError}, so that an application keeps running while it learns
 * what to fix.
 * <p>
 * {@link BlockHoundReporter} installs BlockHound with this integration when
 * {@code bridge.blockhound.enabled=true}. To install BlockHound yourself (say, in a test
 * set-up), pass it along: {@code BlockHound.install(new BridgeBlockHoundIntegration())}. It
 * runs after the other integrations, so that its thread rule and its callback win.
 * <p>
 * BlockHound is installed once per JVM while a Spring context can come and go, so the
 * reports go to whichever {@link EventLoopReports} is {@link #reportTo connected} at the
 * time; with none connected a blocking call is let through silently.
 */
public class BridgeBlockHoundIntegration implements BlockHoundIntegration {

	/**
	 * Prefix of the names of the threads that may block: the bridge pools'.
	 */
	public static final String BRIDGE_THREAD_PREFIX = "bridge-";

	private static final AtomicReference<@Nullable EventLoopReports> target = new AtomicReference<>();

	// logging a report may itself block (a console write); that must not report again
	private static final ThreadLocal<Boolean> reporting = new ThreadLocal<>();

	private static volatile boolean applied;

	/**
	 * Creates the integration; BlockHound finds it through {@link java.util.ServiceLoader}, or
	 * it is passed to {@code BlockHound.install}.
	 */
	public BridgeBlockHoundIntegration() {
	}

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.nonBlockingThreadPredicate((current) -> current.and((thread) -> !isBridgeThread(thread)));
		builder.blockingMethodCallback(BridgeBlockHoundIntegration::blockingCall);
		applied = true;
	}

	@Override
	public int getPriority() {
		return Integer.MAX_VALUE;
	}

	/**
	 * Whether BlockHound was installed with this integration in this JVM.
	 * @return {@code true} once applied
	 */
	public static boolean isApplied() {
		return applied;
	}

	/**
	 * Sends the blocking calls caught from now on to {@code reports}.
	 * @param reports the channel
	 */
	public static void reportTo(EventLoopReports reports) {
		target.set(reports);
	}

	/**
	 * Stops sending blocking calls to {@code reports}, if they still go there.
	 * @param reports the channel
	 */
	public static void disconnect(EventLoopReports reports) {
		target.compareAndSet(reports, null);
	}

	static boolean isBridgeThread(Thread thread) {
		return thread.getName().startsWith(BRIDGE_THREAD_PREFIX);
	}

	private static void blockingCall(BlockingMethod method) {
		EventLoopReports reports = target.get();
		if (reports == null || reporting.get() != null) {
			return;
		}
		reporting.set(Boolean.TRUE);
		try {
			reports.blockingCall(Thread.currentThread(), method.toString(), callerStack());
		}
		finally {
			reporting.remove();
		}
	}

	/**
	 * The stack from the blocking method outwards, without BlockHound's and this class's
	 * frames, which would only hide the caller.
	 */
	private static StackTraceElement[] callerStack() {
		StackTraceElement[] stack = new Throwable().getStackTrace();
		for (int i = 0; i < stack.length; i++) {
			if ("reactor.blockhound.BlockHoundRuntime".equals(stack[i].getClassName())
					&& "checkBlocking".equals(stack[i].getMethodName())) {
				return Arrays.copyOfRange(stack, i + 1, stack.length);
			}
		}
		return stack;
	}

}
