package dev.bridge.offload;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

import dev.bridge.context.ContextCarrier;
import dev.bridge.observation.BlockingCallContext;
import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The offload pipeline of one bridge: moves a call onto a pool, with the caller's context,
 * as a {@value #OBSERVATION_NAME} observation, under a timeout. {@code BlockingBridge.spawn},
 * the {@code @Blocking} aspect and the WebFlux integration all go through it; find a
 * bridge's with {@link Offloaders#of(Object)}.
 * <p>
 * {@link #mono} and {@link #flux} share one pipeline (pool, timeout, the caller's context
 * captured at assembly, an {@link OffloadCall} started per subscription, the timeout, the
 * error mapping and the observation) and differ only in how the invocation gets onto the
 * pool: a call with one value is one pool task that invokes and subscribes
 * ({@code OffloadOperators.single}; without a timeout, and while Reactor's automatic context
 * propagation is off, the whole call is one operator: {@code OffloadOperators.singleCall});
 * a stream subscribes with Reactor's
 * {@code Flux.subscribeOn} on the call's own {@link OffloadLane}, which keeps its pool
 * thread until the stream ends.
 */
public final class Offloader {

	/**
	 * Name of the observation of each offloaded call.
	 */
	public static final String OBSERVATION_NAME = "bridge.blocking";

	private static final Log logger = LogFactory.getLog(Offloader.class);

	private final Function<String, BlockingPool> pools;

	private final ObservationRegistry observationRegistry;

	private final ContextCarrier contextCarrier;

	private final OffloadFailures failures;

	/** {@link #unwrapRejection}, made once instead of per call. */
	final UnaryOperator<Throwable> unwrap = this::unwrapRejection;

	/**
	 * Creates the pipeline of a bridge.
	 * @param pools finds a pool by name, throwing the bridge's exception for an unknown one
	 * @param observationRegistry the registry that observes calls
	 * @param contextCarrier carries the caller's context onto pool threads
	 * @param failures makes the exceptions callers receive
	 */
	public Offloader(Function<String, BlockingPool> pools, ObservationRegistry observationRegistry,
			ContextCarrier contextCarrier, OffloadFailures failures) {
		this.pools = pools;
		this.observationRegistry = observationRegistry;
		this.contextCarrier = contextCarrier;
		this.failures = failures;
	}

	/**
	 * A call returning a {@code Mono}: the invocation is deferred to subscription and runs
	 * on the pool, with the caller's context, as an observation, under a timeout.
	 * @param <T> element type
	 * @param pool the pool name
	 * @param call name of the call, for the {@code method} tag and error messages
	 * @param timeout per-call timeout, {@code null} for the pool's
	 * @param invocation produces the Mono on the pool thread
	 * @return the offloaded Mono
	 */
	public <T> Mono<T> mono(String pool, String call, @Nullable Duration timeout,
			Callable<? extends Mono<T>> invocation) {
		return mono(pool(pool), call, timeout, invocation);
	}

	/**
	 * As {@link #mono(String, String, Duration, Callable)}, on a pool already looked up
	 * with {@link #pool(String)} (the aspect looks it up once per method).
	 * @param <T> element type
	 * @param target the pool, one of this bridge's (from {@link #pool(String)})
	 * @param call name of the call, for the {@code method} tag and error messages
	 * @param timeout per-call timeout, {@code null} for the pool's
	 * @param invocation produces the Mono on the pool thread
	 * @return the offloaded Mono
	 */
	public <T> Mono<T> mono(BlockingPool target, String call, @Nullable Duration timeout,
			Callable<? extends Mono<T>> invocation) {
		Objects.requireNonNull(target, "target pool must not be null: look it up with pool(name)");
		Context assembly = this.contextCarrier.captureValues();
		Observation caller = currentObservation();
		if (timeout == null && target.settings().timeout() == null && !Hooks.isAutomaticContextPropagationEnabled()) {
			// Nothing between the pool task and the caller's side: one operator, one subscriber.
			return OffloadOperators.singleCall(this, target, call, assembly, caller, invocation);
		}
		return chain(target, call, timeout, assembly, caller, invocation);
	}

	/**
	 * The bridge's pool of that name.
	 * @param name the pool name
	 * @return the pool
	 * @throws dev.bridge.UnknownBlockingPoolException if the bridge has no such pool
	 */
	public BlockingPool pool(String name) {
		return this.pools.apply(name);
	}

	/**
	 * A call returning a {@code Mono} as a chain of Reactor's operators and the call's own:
	 * one pool task that invokes and subscribes (a Mono's value ends the call), the call's
	 * context written with Reactor's {@code contextWrite}, the timeout, the caller's side.
	 */
	<T> Mono<T> chain(BlockingPool target, String call, @Nullable Duration timeout, Context assembly,
			@Nullable Observation caller, Callable<? extends Publisher<T>> invocation) {
		return Mono.fromDirect(offload(target, call, timeout, false,
				(offload) -> OffloadOperators.single(offload, invocation), assembly, caller));
	}

	/**
	 * A call returning a {@code Flux} (or another {@code Publisher}): the invocation and
	 * each request hop run on the pool, with the caller's context, as an observation; the
	 * timeout bounds the whole stream. The stream keeps one pool thread from its subscription
	 * until it ends, so that later demand is never refused once items have been sent.
	 * @param <T> element type
	 * @param pool the pool name
	 * @param call name of the call, for the {@code method} tag and error messages
	 * @param timeout per-call timeout, {@code null} for the pool's
	 * @param invocation produces the publisher on the pool thread
	 * @return the offloaded Flux
	 */
	public <T> Flux<T> flux(String pool, String call, @Nullable Duration timeout,
			Callable<? extends Publisher<T>> invocation) {
		return flux(pool(pool), call, timeout, invocation);
	}

	/**
	 * As {@link #flux(String, String, Duration, Callable)}, on a pool already looked up
	 * with {@link #pool(String)}.
	 * @param <T> element type
	 * @param target the pool, one of this bridge's (from {@link #pool(String)})
	 * @param call name of the call, for the {@code method} tag and error messages
	 * @param timeout per-call timeout, {@code null} for the pool's
	 * @param invocation produces the publisher on the pool thread
	 * @return the offloaded Flux
	 */
	public <T> Flux<T> flux(BlockingPool target, String call, @Nullable Duration timeout,
			Callable<? extends Publisher<T>> invocation) {
		Objects.requireNonNull(target, "target pool must not be null: look it up with pool(name)");
		// Flux's own subscribeOn: every later request hops onto the call's lane as well.
		return offload(target, call, timeout, true,
				(offload) -> OffloadOperators.call(Flux.defer(() -> offload.<Publisher<T>>invoke(invocation, Flux::error,
						Flux::empty))
					.subscribeOn(offload.lane()), offload), this.contextCarrier.captureValues(), currentObservation());
	}

	/**
	 * The one pipeline of {@link #mono} and {@link #flux}: resolves the pool and timeout,
	 * captures the caller's context at assembly, and at each subscription starts a call, runs
	 * it on the call's lane, and applies the timeout, the error mapping and the observation.
	 * @param onLane the invocation, moved onto the pool, as the call's operator makes it
	 */
	private <T> Flux<T> offload(BlockingPool target, String call, @Nullable Duration timeout, boolean stream,
			Function<OffloadCall, Flux<T>> onLane, Context assembly, @Nullable Observation caller) {
		String pool = target.name();
		@Nullable Duration effectiveTimeout = (timeout != null) ? timeout : target.settings().timeout();
		return Flux.deferContextual((context) -> {
			OffloadCall offload = newCall(target, call, assembly, caller, context, stream, effectiveTimeout);
			// The operators between here and deferContextual pass its context on unchanged:
			// the call's context was merged from that one.
			Flux<T> flux = onLane.apply(offload).contextWrite((subscriber) -> offload.context());
			if (stream) {
				// A stream abandoned at shutdown while it waits for demand is failed through the
				// call's own channel: no Reactor signal is pending then.
				flux = flux.takeUntilOther(offload.failures());
			}
			if (effectiveTimeout != null) {
				Duration timed = effectiveTimeout;
				// Nothing for a subscriber that left meanwhile: Reactor would log the error as dropped.
				flux = flux.timeout(offload.timer(), (item) -> offload.timerAfterItem(), Flux.defer(() -> offload
					.hasSubscriberLeft() ? Flux.empty() : Flux.error(this.failures.timedOut(pool, call, timed))));
			}
			return OffloadOperators.result(flux, offload, this.unwrap);
		});
	}

	/**
	 * The parent observation is, in order: the subscriber's (Reactor context), the one
	 * current where the call was made, the one current where it is subscribed.
	 */
	OffloadCall newCall(BlockingPool pool, String call, Context assembly, @Nullable Observation caller,
			ContextView context, boolean stream, @Nullable Duration timeout) {
		Observation observation = startObservation(pool.name(), call, parent(caller, context));
		return new OffloadCall(pool, call, this.contextCarrier, this.contextCarrier.merge(assembly, context),
				observation, this.observationRegistry, stream, timeout, this.failures);
	}

	/**
	 * The observation current on the calling thread, if the registry records anything: a
	 * no-op registry's observations take no parent.
	 */
	private @Nullable Observation currentObservation() {
		return this.observationRegistry.isNoop() ? null : this.observationRegistry.getCurrentObservation();
	}

	private @Nullable Observation parent(@Nullable Observation caller, ContextView context) {
		if (this.observationRegistry.isNoop()) {
			return null;
		}
		Observation parent = live(context.getOrDefault(ObservationThreadLocalAccessor.KEY, null));
		if (parent == null) {
			parent = live(caller);
		}
		if (parent == null) {
			parent = live(this.observationRegistry.getCurrentObservation());
		}
		return parent;
	}

	/**
	 * Skips finished {@value #OBSERVATION_NAME} observations: a call's observation is still
	 * current on the pool thread while its result travels downstream, and must not become the
	 * parent of the next call made there (the next batch, a {@code flatMap}'s next spawn).
	 * A switched-off (no-op) observation is no parent either: it knows none of its own.
	 */
	private static @Nullable Observation live(@Nullable Observation candidate) {
		if (candidate != null && candidate.isNoop()) {
			return null;
		}
		Observation current = candidate;
		while (current != null && current.getContext() instanceof BlockingCallContext call && call.isFinished()) {
			current = (current.getContext().getParentObservation() instanceof Observation parent) ? parent : null;
		}
		return current;
	}

	private Observation startObservation(String pool, String call, @Nullable Observation parent) {
		Observation observation = Observation.createNotStarted(OBSERVATION_NAME,
				() -> new BlockingCallContext(pool, call), this.observationRegistry);
		if (observation.isNoop()) {
			// Nothing records it: no context, key values or name to build for each call.
			return observation.start();
		}
		return observation.contextualName("blocking " + call)
			.parentObservation(parent)
			.start();
	}

	/**
	 * Runs a call that something else already moved onto a pool (WebFlux's blocking
	 * execution of a {@code @Blocking} handler) as a {@value #OBSERVATION_NAME} observation,
	 * child of the current one.
	 * @param <T> result type
	 * @param pool the pool the call runs on
	 * @param call name of the call, for the {@code method} tag
	 * @param body the call
	 * @return its result
	 * @throws Exception whatever the call throws, unchanged, except an error that Reactor
	 * treats as fatal, which is logged and wrapped in the exception
	 * {@link OffloadFailures#fatal(String, String, Error)} makes (thrown as is, WebFlux would
	 * never answer the request)
	 * @see #enter(String, String)
	 */
	public <T> T observe(String pool, String call, Callable<T> body) throws Exception {
		ObservedCall observed = enter(pool, call);
		try {
			return body.call();
		}
		catch (Exception | Error ex) {
			RuntimeException instead = observed.failed(ex);
			if (instead != null) {
				throw instead;
			}
			throw ex;
		}
		finally {
			observed.exit();
		}
	}

	/**
	 * Starts the {@value #OBSERVATION_NAME} observation of a call that runs on the calling
	 * thread, as {@link #observe} does, for a caller that runs the call itself: the
	 * {@code @Blocking} aspect, so that a handler WebFlux moved onto a pool runs (and parks,
	 * on a virtual thread) three frames higher than through {@code observe}'s callback.
	 * <pre>
	 * ObservedCall observed = offloader.enter(pool, call);
	 * try {
	 *     return body();
	 * }
	 * catch (Throwable ex) {
	 *     RuntimeException instead = observed.failed(ex);
	 *     throw (instead != null) ? instead : ex;
	 * }
	 * finally {
	 *     observed.exit();
	 * }
	 * </pre>
	 * @param pool the pool the call runs on
	 * @param call name of the call, for the {@code method} tag
	 * @return the started observation, in scope on the calling thread
	 */
	public ObservedCall enter(String pool, String call) {
		Observation observation = startObservation(pool, call, live(currentObservation()));
		// Switched off, it stays out of the way: the caller's observation stays current.
		return new ObservedCall(this, pool, call, observation, observation.isNoop() ? null : observation.openScope());
	}

	/**
	 * The observation of a call started with {@link #enter}, in scope on the thread running
	 * the call until {@link #exit()}.
	 */
	public static final class ObservedCall {

		private final Offloader offloader;

		private final String pool;

		private final String call;

		private final Observation observation;

		private final Observation.@Nullable Scope scope;

		private ObservedCall(Offloader offloader, String pool, String call, Observation observation,
				Observation.@Nullable Scope scope) {
			this.offloader = offloader;
			this.pool = pool;
			this.call = call;
			this.observation = observation;
			this.scope = scope;
		}

		/**
		 * Records the call's failure.
		 * @param failure what the call threw
		 * @return what to throw instead of the failure: for an error that Reactor treats as
		 * fatal, the exception {@link OffloadFailures#fatal(String, String, Error)} makes
		 * (the error is logged); {@code null} to throw the failure unchanged
		 */
		public @Nullable RuntimeException failed(Throwable failure) {
			this.observation.error(failure);
			if (failure instanceof Error error && OffloadCall.isJvmFatal(error)) {
				RuntimeException wrapped = this.offloader.failures.fatal(this.pool, this.call, error);
				logger.error(wrapped.getMessage(), error);
				return wrapped;
			}
			return null;
		}

		/**
		 * Closes the observation's scope and stops it; call once, from the thread that
		 * entered.
		 */
		public void exit() {
			try {
				if (this.scope != null) {
					this.scope.close();
				}
			}
			finally {
				this.observation.stop();
			}
		}

	}

	/**
	 * Reactor wraps a scheduler's refusal in its own exception; callers should see the
	 * bridge's, which says which pool is full or closing and what to do.
	 */
	private Throwable unwrapRejection(Throwable ex) {
		if (ex instanceof RejectedExecutionException && !this.failures.isRefusal(ex)) {
			Throwable cause = ex.getCause();
			if (cause != null && this.failures.isRefusal(cause)) {
				return cause;
			}
		}
		return ex;
	}

}
