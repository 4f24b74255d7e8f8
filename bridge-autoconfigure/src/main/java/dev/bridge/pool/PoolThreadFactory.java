package dev.bridge.pool;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import dev.bridge.BridgeConfigurationException;

/**
 * Creates the threads of one pool, named {@code bridge-<pool>-<n>}. Platform threads are
 * daemons; virtual threads come from {@code Thread.ofVirtual()}, reached reflectively so that
 * the code still compiles and runs on Java 17. Neither kind is a Reactor
 * {@code NonBlocking} thread: blocking is what they are for.
 * <p>
 * Bound to its pool's {@link PoolThreads}, it creates a thread only for a reservation being
 * started (or while the executor drains at shutdown), and tells the pool when a thread ends.
 */
final class PoolThreadFactory implements ThreadFactory {

	static final int VIRTUAL_THREADS_MIN_JAVA = 21;

	private final String prefix;

	private final AtomicInteger counter = new AtomicInteger();

	private final @Nullable ThreadFactory virtualFactory;

	private @Nullable PoolThreads threads;

	private @Nullable BlockingPool pool;

	private PoolThreadFactory(String poolName, @Nullable ThreadFactory virtualFactory) {
		this.prefix = "bridge-" + poolName + "-";
		this.virtualFactory = virtualFactory;
	}

	/**
	 * Binds this factory to the pool it creates threads for.
	 * @param pool the pool, told when a thread ends
	 * @param threads the pool's thread count
	 */
	void bind(BlockingPool pool, PoolThreads threads) {
		this.pool = pool;
		this.threads = threads;
	}

	static PoolThreadFactory platform(String poolName) {
		return new PoolThreadFactory(poolName, null);
	}

	static PoolThreadFactory virtual(String poolName) {
		int feature = Runtime.version().feature();
		if (feature < VIRTUAL_THREADS_MIN_JAVA) {
			throw new BridgeConfigurationException("bridge.pools." + poolName + ".virtual-threads",
					"is true, which needs Java " + VIRTUAL_THREADS_MIN_JAVA + " or newer, but this JVM is Java " + feature,
					"run on Java " + VIRTUAL_THREADS_MIN_JAVA + "+ or set bridge.pools." + poolName
							+ ".virtual-threads=false");
		}
		return new PoolThreadFactory(poolName, virtualThreadFactory());
	}

	private static ThreadFactory virtualThreadFactory() {
		try {
			MethodHandles.Lookup lookup = MethodHandles.publicLookup();
			Class<?> builderClass = Class.forName("java.lang.Thread$Builder");
			MethodHandle ofVirtual = lookup.findStatic(Thread.class, "ofVirtual",
					MethodType.methodType(Class.forName("java.lang.Thread$Builder$OfVirtual")));
			MethodHandle factory = lookup.findVirtual(builderClass, "factory", MethodType.methodType(ThreadFactory.class));
			return (ThreadFactory) factory.invoke(ofVirtual.invoke());
		}
		catch (Throwable ex) {
			throw new IllegalStateException("Virtual threads are not available on this JVM", ex);
		}
	}

	@Override
	public @Nullable Thread newThread(Runnable worker) {
		PoolThreads threads = this.threads;
		BlockingPool pool = this.pool;
		Runnable task = worker;
		if (threads != null && pool != null) {
			if (!threads.isStarting()) {
				if (!pool.executor().isShutdown()) {
					return null;
				}
				threads.addUnreserved();
			}
			task = () -> {
				try {
					worker.run();
				}
				finally {
					threads.ended();
					pool.threadEnded();
				}
			};
		}
		String name = this.prefix + this.counter.incrementAndGet();
		if (this.virtualFactory != null) {
			Thread thread = this.virtualFactory.newThread(task);
			thread.setName(name);
			return thread;
		}
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	boolean isVirtual() {
		return this.virtualFactory != null;
	}

}
