package dev.bridge.offload;

import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The two operators of an offloaded call, each one subscriber per call instead of a chain of
 * Reactor's {@code onErrorMap}, {@code doOnEach}, {@code doOnCancel}
 * and {@code onErrorResume}: every one of those allocates its subscriber (and an
 * {@code onErrorMap} a resuming one) on each call, which showed as most of the pipeline's
 * allocations per call.
 * <ul>
 * <li>{@link #call}, next to the invocation: wraps an error Reactor would throw instead of
 * signal, and marks the call cancelled when it is cancelled (by its subscriber or by the
 * timeout). The call's context is still written with Reactor's own {@code contextWrite}:
 * with automatic context propagation on, that operator is the one that sets the thread
 * locals from it around each signal;</li>
 * <li>{@link #result}, last: unwraps a scheduler's refusal, stops the observation on the
 * terminal signal (or a {@code Mono}'s value) before it travels on, and, once the subscriber
 * has left, ends quietly instead of signalling an error nobody would receive.</li>
 * </ul>
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
			Throwable delivered = this.unwrap.apply(error);
			this.call.stopObservation(delivered);
			if (this.call.hasSubscriberLeft()) {
				// An error racing the subscriber's cancel (a timeout, a refusal) has nobody to
				// reach: Reactor would only log it as dropped.
				this.actual.onComplete();
				return;
			}
			this.actual.onError(delivered);
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
			this.call.stopObservation();
			super.cancel();
		}

	}

}
