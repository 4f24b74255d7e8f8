package dev.bridge.eventloop;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.jspecify.annotations.Nullable;

import reactor.netty.resources.LoopResources;

/**
 * The event loops of Reactor Netty's {@link LoopResources}: the loops that accept and serve
 * the HTTP server's connections and those that run {@code WebClient} calls (Reactor Netty
 * colocates the two by default, so they are the same threads, probed once).
 * <p>
 * Only the transport Reactor Netty itself picks is asked for (native when
 * {@code reactor.netty.native} allows it and the platform supports it), so that probing
 * never creates loops that the application does not use.
 */
public final class ReactorNettyLoopSource implements EventLoopSource {

	/**
	 * The group name of Reactor Netty's loops.
	 */
	public static final String GROUP = "reactor-netty";

	private final Supplier<@Nullable LoopResources> resources;

	private final boolean preferNative;

	// only touched by the watchdog thread
	private @Nullable LoopResources current;

	private List<Executor> loops = List.of();

	/**
	 * A source that asks {@code resources} for the loop resources before every probe
	 * round, so that resources created late or replaced are followed.
	 * @param resources supplies the loop resources, or {@code null} while there are none
	 * (not started yet, or stopped)
	 */
	public ReactorNettyLoopSource(Supplier<@Nullable LoopResources> resources) {
		this(resources, LoopResources.DEFAULT_NATIVE);
	}

	ReactorNettyLoopSource(Supplier<@Nullable LoopResources> resources, boolean preferNative) {
		this.resources = Objects.requireNonNull(resources, "resources must not be null");
		this.preferNative = preferNative;
	}

	@Override
	public String group() {
		return GROUP;
	}

	@Override
	public List<Executor> loops() {
		LoopResources resources = this.resources.get();
		if (resources == null) {
			this.current = null;
			this.loops = List.of();
		}
		else if (resources != this.current) {
			Set<Executor> executors = new LinkedHashSet<>();
			addAll(executors, resources.onServerSelect(this.preferNative));
			addAll(executors, resources.onServer(this.preferNative));
			addAll(executors, resources.onClient(this.preferNative));
			this.current = resources;
			this.loops = List.copyOf(executors);
		}
		return this.loops;
	}

	private static void addAll(Set<Executor> executors, EventLoopGroup group) {
		for (EventExecutor executor : group) {
			executors.add(executor);
		}
	}

	@Override
	public String toString() {
		return "ReactorNettyLoopSource[" + this.loops.size() + " loops]";
	}

}
