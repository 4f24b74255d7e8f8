package dev.bridge.pool;

import java.util.concurrent.LinkedBlockingQueue;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Starts pool threads on behalf of event loops. Starting a platform thread takes tens to
 * hundreds of microseconds and can stall a loop on a loaded machine, so a loop that needs a
 * new pool thread reserves it (the bound stays exact) and hands its task here; this one
 * daemon thread, shared by every pool and started with the first pool (never on a loop),
 * creates the thread, which runs the task first.
 */
final class PoolThreadStarter implements Runnable {

	private static final Log logger = LogFactory.getLog(PoolThreadStarter.class);

	private static final PoolThreadStarter INSTANCE = new PoolThreadStarter();

	private final LinkedBlockingQueue<Start> starts = new LinkedBlockingQueue<>();

	private PoolThreadStarter() {
		Thread thread = new Thread(this, "bridge-pool-starter");
		thread.setDaemon(true);
		thread.start();
	}

	/**
	 * The starter, its thread running.
	 * @return the starter
	 */
	static PoolThreadStarter get() {
		return INSTANCE;
	}

	/**
	 * Starts a reserved thread for a task, soon, on the starter's thread.
	 * @param pool the pool
	 * @param task the task, which has a reserved thread
	 */
	void start(BlockingPool pool, PoolTask task) {
		this.starts.add(new Start(pool, task));
	}

	@Override
	public void run() {
		for (;;) {
			Start start;
			try {
				start = this.starts.take();
			}
			catch (InterruptedException ex) {
				// Nobody owns this thread to stop it: keep serving.
				continue;
			}
			try {
				start.pool().startHandedOver(start.task());
			}
			catch (Throwable ex) {
				logger.error("Starting a thread of blocking pool '" + start.pool().name() + "' failed", ex);
			}
		}
	}

	private record Start(BlockingPool pool, PoolTask task) {

	}

}
