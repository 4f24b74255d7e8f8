package dev.bridge.offload;

import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;

import dev.bridge.pool.BlockingPool;
import reactor.core.CorePublisher;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Fuseable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The operators of an offloaded call, each one subscriber per call instead of a chain of
 * Reactor's {@code subscribeOn}, {@code onErrorMap}, {@code doOnEach}, {@code doOnCancel}
 * and {@code onErrorResume}: every one of those allocates its subscriber (and an
 * {@code onErrorMap} a resuming one) on each call, which showed as most of the pipeline's
 * allocations per call.
 * <ul>
 * <li>{@link #call}, next to a stream's invocation: wraps an error Reactor would throw
 * instead of signal, and marks the call cancelled when it is cancelled (by its subscriber or
 * by the timeout);</li>
 * <li>{@link #single}, for a call with one value: the same, and the call's one pool task,
 * which invokes the method and subscribes to its result;</li>
 * <li>{@link #result}, last: unwraps a scheduler's refusal, stops the observation on the
 * terminal signal (or a {@code Mono}'s value) before it travels on, and, once the subscriber
 * has left, ends quietly instead of signalling an error nobody would receive.</li>
 * </ul>
 * The call's context is still written with Reactor's own {@code contextWrite}: with
 * automatic context propagation on, that operator is the one that sets the thread locals
 * from it around each signal.
 */
final class OffloadOperators {

	private OffloadOperators() {
	}

	/**
	 * The invocation's side of the call.
	 * @param <T> element type
	 * @param source the invocation, subscribed on the call's lane
	 * @param call the call
	 * @return the operator
	 */
	static <T> Flux<T> call(Flux<T> source, OffloadCall call) {
		return new CallOperator<>(source, call);
	}

	/**
	 * The invocation's side of a call with one value ({@code Mono}), in one subscriber: what
	 * {@code Mono.defer(invocation).subscribeOn(lane)} followed by {@link #call} do, without a
	 * lane, a worker or a {@code subscribeOn} per call. The subscriber is itself the call's
	 * one pool task: it invokes the method there and subscribes to what it returns. Requests
	 * made before then are kept and passed on when it subscribes; a later one from another
	 * thread is made on the pool, as {@code subscribeOn} would.
	 * @param <T> element type
	 * @param call the call
	 * @param invocation produces the publisher on the pool thread
	 * @return the operator
	 */
	static <T> Flux<T> single(OffloadCall call, Callable<? extends Publisher<T>> invocation) {
		return new SingleOperator<>(call, invocation);
	}

	/**
	 * A whole call with one value and no timeout, in one subscriber: what {@link #single},
	 * Reactor's {@code contextWrite} of the call's context and {@link #result} do together,
	 * for the common case where nothing needs to sit between them. Made only while Reactor's
	 * automatic context propagation is off (with it on, the chain keeps Reactor's own
	 * {@code contextWrite}); if it is switched on before the call is subscribed, Reactor
	 * still sets the thread locals of the operators after the call from their own context,
	 * as for any publisher that is not its own, and the call's context is set inside any
	 * schedule hook's.
	 * @param <T> element type
	 * @param offloader makes the call for each subscription (its context and observation)
	 * @param pool the pool
	 * @param call name of the call
	 * @param assembly the values captured where the call was made
	 * @param caller the observation current where the call was made
	 * @param invocation produces the publisher on the pool thread
	 * @return the call
	 */
	static <T> Mono<T> singleCall(Offloader offloader, BlockingPool pool, String call, Context assembly,
			@Nullable Observation caller, Callable<? extends Publisher<T>> invocation) {
		return SingleCallOperator.assemble(new SingleCallOperator<>(offloader, pool, call, assembly, caller, invocation));
	}

	/**
	 * The caller's side of the call.
	 * @param <T> element type
	 * @param source the call, with its timeout
	 * @param call the call
	 * @param unwrap maps a Reactor-wrapped refusal to the bridge's own exception
	 * @return the operator
	 */
	static <T> Flux<T> result(Flux<T> source, OffloadCall call, UnaryOperator<Throwable> unwrap) {
		return new ResultOperator<>(source, call, unwrap);
	}

	/**
	 * A subscriber that passes every signal on and is its downstream's subscription.
	 */
	private abstract static class PassThrough<T> implements CoreSubscriber<T>, Subscription {

		final CoreSubscriber<? super T> actual;

		final OffloadCall call;

		private @Nullable Subscription upstream;

		PassThrough(CoreSubscriber<? super T> actual, OffloadCall call) {
			this.actual = actual;
			this.call = call;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			if (Operators.validate(this.upstream, subscription)) {
				this.upstream = subscription;
				this.actual.onSubscribe(this);
			}
		}

		@Override
		public void onNext(T item) {
			this.actual.onNext(item);
		}

		@Override
		public void onComplete() {
			this.actual.onComplete();
		}

		@Override
		public void request(long n) {
			upstream().request(n);
		}

		@Override
		public void cancel() {
			upstream().cancel();
		}

		private Subscription upstream() {
			Subscription subscription = this.upstream;
			if (subscription == null) {
				throw new IllegalStateException("No subscription yet");
			}
			return subscription;
		}

	}

	private static final class CallOperator<T> extends FluxOperator<T, T> {

		private final OffloadCall call;

		CallOperator(Flux<T> source, OffloadCall call) {
			super(source);
			this.call = call;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			this.source.subscribe(new CallSubscriber<>(actual, this.call));
		}

	}

	private static final class CallSubscriber<T> extends PassThrough<T> {

		CallSubscriber(CoreSubscriber<? super T> actual, OffloadCall call) {
			super(actual, call);
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		public void onError(Throwable error) {
			this.actual.onError(this.call.deliverable(error));
		}

		@Override
		public void cancel() {
			this.call.cancel();
			super.cancel();
		}

	}

	private static final class SingleOperator<T> extends Flux<T> {

		private final OffloadCall call;

		private final Callable<? extends Publisher<T>> invocation;

		SingleOperator(OffloadCall call, Callable<? extends Publisher<T>> invocation) {
			this.call = call;
			this.invocation = invocation;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			SingleSubscriber<T> subscriber = new SingleSubscriber<>(actual, this.call, this.invocation);
			actual.onSubscribe(subscriber);
			subscriber.schedule();
		}

	}

	/**
	 * Subscriber to the invocation's publisher, its downstream's subscription (requests made
	 * before the invocation ran are kept until it did), and the call's pool task.
	 */
	private static class SingleSubscriber<T> extends Operators.DeferredSubscription
			implements CoreSubscriber<T>, Runnable {

		/**
		 * Whether a publisher's value can be taken in place: Reactor's own publishers of a
		 * value or of nothing ({@code Mono.just}, {@code Mono.empty} and their {@code Flux}
		 * twins), whose {@code Fuseable.ScalarCallable.call()} returns it and does nothing
		 * else. Not {@code Mono.error}: taking its value throws it, and Reactor logs a fatal
		 * one on the way (the call logs it once, when it is signalled). Not another
		 * {@code ScalarCallable}: its {@code call()} may do work, which would then run again
		 * if it failed and the publisher were subscribed after all.
		 */
		private static final ClassValue<Boolean> HOLDS_VALUE = new ClassValue<>() {

			@Override
			protected Boolean computeValue(Class<?> type) {
				return Fuseable.ScalarCallable.class.isAssignableFrom(type) && VALUE_SOURCES.contains(type.getName());
			}

		};

		private static final Set<String> VALUE_SOURCES = Set.of("reactor.core.publisher.MonoJust",
				"reactor.core.publisher.MonoEmpty", "reactor.core.publisher.FluxJust",
				"reactor.core.publisher.FluxEmpty");

		final CoreSubscriber<? super T> actual;

		final OffloadCall call;

		private final Callable<? extends Publisher<T>> invocation;

		private volatile @Nullable Disposable task;

		/** Set on the terminal signal: a cancel after it is not the call's cancellation. */
		private volatile boolean done;

		/** Set once the invocation's publisher subscribed (on the pool thread). */
		private volatile boolean subscribed;

		/** Set on the subscriber's first valid request, made before the invocation's publisher subscribed. */
		private volatile boolean demanded;

		/**
		 * The pool thread while it runs the task. Read only to ask whether the reading thread
		 * is that one, which every thread answers from its own writes: not volatile (two
		 * fenced writes a call fewer).
		 */
		private @Nullable Thread runner;

		SingleSubscriber(CoreSubscriber<? super T> actual, OffloadCall call,
				Callable<? extends Publisher<T>> invocation) {
			this.actual = actual;
			this.call = call;
			this.invocation = invocation;
		}

		void schedule() {
			if (this.call.isCancelled()) {
				return;
			}
			Disposable scheduled;
			try {
				scheduled = this.call.schedule(this);
			}
			catch (RejectedExecutionException ex) {
				if (!this.call.isCancelled()) {
					// Nobody listens once cancelled: signalling the refusal would only be logged as dropped.
					signalError(ex);
				}
				return;
			}
			this.task = scheduled;
			// The task may already run, and the call be cancelled, before its handle was
			// recorded: cancel() then found none to dispose, and the body would not be
			// interrupted. One of the two sees the other (both fields are volatile).
			if (this.call.isCancelled()) {
				scheduled.dispose();
			}
			this.call.accepted();
		}

		/**
		 * The pool task: invokes the method (or reports why the pool abandoned the call) and
		 * subscribes to the result.
		 */
		@Override
		public void run() {
			this.runner = Thread.currentThread();
			try {
				Publisher<T> result = this.call.invoke(this.invocation, Mono::error, Mono::empty);
				if (this.demanded && HOLDS_VALUE.get(result.getClass()) && isLast(result)) {
					emit((Fuseable.ScalarCallable<?>) result);
				}
				else {
					result.subscribe(this);
				}
			}
			catch (Throwable ex) {
				onError(ex);
			}
			finally {
				this.runner = null;
			}
		}

		/**
		 * A publisher that holds its value ({@code Mono.just}, {@code Mono.empty}; see
		 * {@link #HOLDS_VALUE}) and a subscriber that already asked for it: the value is
		 * passed on in place, as Reactor's own operators take such a value, instead of
		 * through a subscription of its own (an object and three atomic updates a call).
		 * @throws Exception never, from the publishers {@link #HOLDS_VALUE} admits
		 */
		@SuppressWarnings("unchecked")
		private void emit(Fuseable.ScalarCallable<?> scalar) throws Exception {
			T value = (T) scalar.call();
			if (isCancelled()) {
				return;
			}
			if (value != null) {
				onNext(value);
				if (isCancelled()) {
					// Cancelled by the value's subscriber: no completion after it, as Reactor's
					// scalar subscription does.
					return;
				}
			}
			onComplete();
		}

		/**
		 * Whether subscribing to the publisher would subscribe to it as it is: Reactor's
		 * {@code Hooks.onLastOperator} (tracing or metrics hooks) may wrap it at subscription,
		 * and must then see it subscribed.
		 */
		private static <T> boolean isLast(Publisher<T> result) {
			return result instanceof CorePublisher<T> source && Operators.onLastAssembly(source) == source;
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			this.subscribed = true;
			set(subscription);
		}

		/**
		 * Requests made before the invocation's publisher subscribed are passed on when it
		 * does, on the pool thread, as are those made on that thread while it runs; a later
		 * request from another thread is made on the pool too, as {@code subscribeOn} would:
		 * a publisher that does its work when asked (a cursor's {@code next()}) must not do it
		 * on the requesting thread, which may be an event loop.
		 */
		@Override
		public void request(long n) {
			if (!this.subscribed || Thread.currentThread() == this.runner) {
				if (n > 0 && !this.demanded) {
					this.demanded = true;
				}
				super.request(n);
				return;
			}
			if (this.done || isCancelled()) {
				return;
			}
			try {
				this.call.schedule(() -> super.request(n), this::abandonRequest);
			}
			catch (RejectedExecutionException ex) {
				if (!this.call.isCancelled() && !this.done) {
					// Nobody will ask the method's publisher again: it is told, then the caller.
					super.cancel();
					onError(ex);
				}
			}
		}

		/**
		 * A late request's hop that the pool abandoned (at shutdown): nobody will ask the
		 * method's publisher again, so it is told, then the caller.
		 */
		private void abandonRequest(RuntimeException error) {
			if (!this.call.isCancelled() && !this.done) {
				super.cancel();
				onError(error);
			}
		}

		@Override
		public void onNext(T item) {
			this.actual.onNext(item);
		}

		@Override
		public void onError(Throwable error) {
			this.done = true;
			signalError(this.call.deliverable(error));
		}

		@Override
		public void onComplete() {
			this.done = true;
			signalComplete();
		}

		/**
		 * Passes an error (already made deliverable) on to the subscriber.
		 * @param error the error
		 */
		void signalError(Throwable error) {
			this.actual.onError(error);
		}

		/**
		 * Passes the completion on to the subscriber.
		 */
		void signalComplete() {
			this.actual.onComplete();
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		public void cancel() {
			if (this.done) {
				super.cancel();
				return;
			}
			this.call.cancel();
			super.cancel();
			Disposable scheduled = this.task;
			if (scheduled != null) {
				scheduled.dispose();
			}
		}

	}

	private static final class SingleCallOperator<T> extends Mono<T> {

		private final Offloader offloader;

		private final BlockingPool pool;

		private final String call;

		private final Context assembly;

		private final @Nullable Observation caller;

		private final Callable<? extends Publisher<T>> invocation;

		SingleCallOperator(Offloader offloader, BlockingPool pool, String call, Context assembly,
				@Nullable Observation caller, Callable<? extends Publisher<T>> invocation) {
			this.offloader = offloader;
			this.pool = pool;
			this.call = call;
			this.assembly = assembly;
			this.caller = caller;
			this.invocation = invocation;
		}

		/**
		 * Applies Reactor's assembly hooks ({@code Hooks.onOperatorDebug}, checkpoints), as a
		 * Reactor operator's factory does.
		 */
		static <T> Mono<T> assemble(Mono<T> operator) {
			return onAssembly(operator);
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			OffloadCall offload;
			try {
				offload = this.offloader.newCall(this.pool, this.call, this.assembly, this.caller,
						actual.currentContext(), false, null);
			}
			catch (Throwable ex) {
				// A failing observation handler's onStart, for example: as Flux.deferContextual would.
				Operators.error(actual, Operators.onOperatorError(ex, actual.currentContext()));
				return;
			}
			SingleCallSubscriber<T> subscriber = new SingleCallSubscriber<>(actual, offload, this.invocation,
					this.offloader.unwrap);
			actual.onSubscribe(subscriber);
			subscriber.schedule();
		}

	}

	/**
	 * {@link SingleSubscriber} and {@link ResultSubscriber} in one, with the call's context
	 * as the invocation's publisher's.
	 */
	private static final class SingleCallSubscriber<T> extends SingleSubscriber<T> {

		private final UnaryOperator<Throwable> unwrap;

		SingleCallSubscriber(CoreSubscriber<? super T> actual, OffloadCall call,
				Callable<? extends Publisher<T>> invocation, UnaryOperator<Throwable> unwrap) {
			super(actual, call, invocation);
			this.unwrap = unwrap;
		}

		@Override
		public Context currentContext() {
			return this.call.context();
		}

		@Override
		public void onNext(T item) {
			this.call.stopObservationOnItem();
			super.onNext(item);
		}

		@Override
		void signalError(Throwable error) {
			ResultSubscriber.deliver(error, this.call, this.unwrap, this.actual);
		}

		@Override
		void signalComplete() {
			this.call.stopObservation();
			this.actual.onComplete();
		}

		@Override
		public void cancel() {
			this.call.subscriberLeft();
			super.cancel();
		}

	}

	private static final class ResultOperator<T> extends FluxOperator<T, T> {

		private final OffloadCall call;

		private final UnaryOperator<Throwable> unwrap;

		ResultOperator(Flux<T> source, OffloadCall call, UnaryOperator<Throwable> unwrap) {
			super(source);
			this.call = call;
			this.unwrap = unwrap;
		}

		@Override
		public void subscribe(CoreSubscriber<? super T> actual) {
			this.source.subscribe(new ResultSubscriber<>(actual, this.call, this.unwrap));
		}

	}

	private static final class ResultSubscriber<T> extends PassThrough<T> {

		private final UnaryOperator<Throwable> unwrap;

		ResultSubscriber(CoreSubscriber<? super T> actual, OffloadCall call, UnaryOperator<Throwable> unwrap) {
			super(actual, call);
			this.unwrap = unwrap;
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		public void onNext(T item) {
			this.call.stopObservationOnItem();
			this.actual.onNext(item);
		}

		@Override
		public void onError(Throwable error) {
			deliver(error, this.call, this.unwrap, this.actual);
		}

		static void deliver(Throwable error, OffloadCall call, UnaryOperator<Throwable> unwrap,
				CoreSubscriber<?> actual) {
			Throwable delivered = unwrap.apply(error);
			call.stopObservation(delivered);
			if (call.hasSubscriberLeft()) {
				// An error racing the subscriber's cancel (a timeout, a refusal) has nobody to
				// reach: Reactor would only log it as dropped.
				actual.onComplete();
				return;
			}
			actual.onError(delivered);
		}

		@Override
		public void onComplete() {
			this.call.stopObservation();
			this.actual.onComplete();
		}

		/**
		 * Marked first thing, so that an error racing the cancel is not signalled.
		 */
		@Override
		public void cancel() {
			this.call.subscriberLeft();
			super.cancel();
		}

	}

}
