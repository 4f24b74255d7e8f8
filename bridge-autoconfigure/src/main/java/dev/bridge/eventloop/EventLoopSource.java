package dev.bridge.eventloop;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * A group of event loops that the {@link EventLoopWatchdog} probes, one {@link Executor}
 * per loop thread. Register a bean of this type to have your own loops watched.
 * <p>
 * The watchdog calls {@link #loops()} on its own thread before every probe round, so it
 * must be cheap: return the same list instance for as long as the loops are the same. An
 * executor that is an {@link java.util.concurrent.ExecutorService} that is shut down, or a
 * Reactor {@link reactor.core.Disposable} that is disposed, is no longer probed and never
 * blamed for a stall.
 */
public interface EventLoopSource {

	/**
	 * Name of the group, shown as {@link LoopStats#group()} and as the {@code group} tag of
	 * the {@code bridge.eventloop.delay} timer.
	 * @return the group name
	 */
	String group();

	/**
	 * The loops to probe now, one executor per loop thread.
	 * @return the loops, empty while none is available yet
	 */
	List<Executor> loops();

	/**
	 * Called when probing showed that {@code loop} runs on the same thread as another
	 * executor of this source, for sources that cannot address a given loop directly
	 * (Reactor's schedulers hand out workers round-robin). The source should return a
	 * different executor in its place from the next {@link #loops()} call.
	 * @param loop the redundant executor
	 */
	default void sameThreadAsAnother(Executor loop) {
	}

	/**
	 * Releases what the source holds (workers, subscriptions) when the watchdog stops.
	 */
	default void dispose() {
	}

}
