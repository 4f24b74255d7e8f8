package dev.bridge.eventloop;

import org.springframework.util.ClassUtils;

import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Schedulers;

/**
 * Tells whether a thread is an event loop: a Reactor {@link NonBlocking} thread (parallel
 * and single schedulers, Reactor Netty's loops) or a thread that is running a Netty
 * {@code EventExecutor}.
 */
public final class EventLoops {

	private static final boolean NETTY_PRESENT = ClassUtils.isPresent("io.netty.util.internal.ThreadExecutorMap",
			EventLoops.class.getClassLoader());

	private EventLoops() {
	}

	/**
	 * Whether the calling thread is an event loop, where blocking is forbidden.
	 * @return {@code true} on an event loop
	 */
	public static boolean isEventLoopThread() {
		return Schedulers.isInNonBlockingThread() || (NETTY_PRESENT && NettyLoops.inEventLoop());
	}

	private static final class NettyLoops {

		static boolean inEventLoop() {
			return io.netty.util.internal.ThreadExecutorMap.currentExecutor() != null;
		}

	}

}
