package dev.bridge.aspect;

import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.core.KotlinDetector;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.util.function.SingletonSupplier;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import dev.bridge.offload.Offloader;
import dev.bridge.offload.Offloaders;
import dev.bridge.offload.WebFluxDispatch;
import dev.bridge.pool.BlockingPool;
import reactor.core.publisher.Mono;

/**
 * Moves {@link Blocking} methods onto the bridge's pools: {@code Mono}/{@code Flux} methods
 * are deferred to subscription and run on the pool, future-returning methods run on the pool,
 * and plain methods are guarded on event loops. Applied by Spring's auto-proxying as an
 * advisor whose pointcut is {@code BlockingMethod.findAnnotation}, the same rule start-up
 * validation checks, so what is validated is exactly what is moved.
 */
public class BlockingAspect implements MethodInterceptor {

	/** Marks a cached method that turned out not to be {@code @Blocking}. */
	private static final Advised NOT_BLOCKING = new Advised(
			new BlockingMethod("", "", null, BlockingMethod.Kind.PLAIN), null);

	private final BlockingBridge bridge;

	private final Offloader offloader;

	private final EventLoopGuard guard;

	private final Map<MethodKey, Advised> methods = new ConcurrentHashMap<>();

	/**
	 * Create an aspect that runs methods on the bridge's pools.
	 * @param bridge the bridge whose pools run the methods
	 * @param guard the guard applied to plain methods called on an event loop
	 */
	public BlockingAspect(BlockingBridge bridge, EventLoopGuard guard) {
		this.bridge = bridge;
		this.offloader = Offloaders.of(bridge);
		this.guard = guard;
	}

	/**
	 * The advisor that applies the aspect to every {@code @Blocking} method of every bean.
	 * The aspect is looked up on first use: advisors are created while bean post-processors
	 * are still being set up, and creating the bridge (and its observation registry) that
	 * early would leave them unprocessed.
	 * @param aspect supplies the aspect
	 * @return the advisor
	 */
	public static AbstractPointcutAdvisor advisor(Supplier<BlockingAspect> aspect) {
		// Looked up once: a bean factory lookup on every call showed in the per-call cost.
		SingletonSupplier<BlockingAspect> once = SingletonSupplier.of(aspect);
		MethodInterceptor advice = (invocation) -> once.obtain().invoke(invocation);
		return new AbstractPointcutAdvisor() {

			private static final long serialVersionUID = 1L;

			private final Pointcut pointcut = new StaticMethodMatcherPointcut() {

				@Override
				public boolean matches(Method method, Class<?> targetClass) {
					return BlockingMethod.findAnnotation(AopUtils.getMostSpecificMethod(method, targetClass),
							targetClass) != null;
				}

			};

			@Override
			public Pointcut getPointcut() {
				return this.pointcut;
			}

			@Override
			public org.aopalliance.aop.Advice getAdvice() {
				return advice;
			}

		};
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : invocation.getMethod().getDeclaringClass();
		Advised advised = describe(invocation.getMethod(), targetClass);
		BlockingPool pool = advised.pool();
		if (pool == null) {
			return invocation.proceed();
		}
		BlockingMethod method = advised.method();
		return switch (method.kind()) {
			case MONO -> this.offloader.mono(pool, method.name(), method.timeout(),
					() -> (Mono<?>) proceed(invocation));
			case FLUX -> this.offloader.flux(pool, method.name(), method.timeout(),
					() -> (Publisher<?>) proceed(invocation));
			case FUTURE -> this.offloader
				.mono(pool, method.name(), method.timeout(), () -> fromStage(proceed(invocation)))
				.toFuture();
			case REACTIVE_SINGLE -> {
				if (KotlinDetector.isSuspendingFunction(invocation.getMethod())) {
					SuspendingCall.dispatchOnSubscribingThread(invocation);
				}
				yield adaptBack(invocation, this.offloader.mono(pool, method.name(), method.timeout(),
						() -> Mono.from(toPublisher(proceed(invocation)))));
			}
			case REACTIVE_MULTI -> adaptBack(invocation, this.offloader.flux(pool, method.name(),
					method.timeout(), () -> toPublisher(proceed(invocation))));
			case PLAIN -> {
				if (WebFluxDispatch.take()) {
					// A handler WebFlux already moved onto a pool, observed here rather than
					// through Offloader.observe's callback: it then runs (and, on a virtual
					// thread, parks) on a stack three frames shorter, which every parked call
					// keeps on the heap.
					Offloader.ObservedCall observed = this.offloader.enter(method.pool(), method.name());
					try {
						yield invocation.proceed();
					}
					catch (Throwable ex) {
						// As proceed(..) below: a bare Throwable (not possible from Java code) is wrapped.
						Throwable thrown = (ex instanceof Exception || ex instanceof Error) ? ex
								: new UndeclaredThrowableException(ex);
						RuntimeException instead = observed.failed(thrown);
						throw (instead != null) ? instead : thrown;
					}
					finally {
						observed.exit();
					}
				}
				this.guard.check(method);
				yield invocation.proceed();
			}
		};
	}

	/**
	 * Proceeds where only {@code Exception} may be thrown; errors pass unchanged, and a bare
	 * {@code Throwable} (not possible from Java code) is wrapped.
	 */
	private static @Nullable Object proceed(MethodInvocation invocation) throws Exception {
		try {
			return invocation.proceed();
		}
		catch (Exception | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new UndeclaredThrowableException(ex);
		}
	}

	/**
	 * The publisher behind a value of a type the registry adapts (a Kotlin
	 * {@code suspend} function's invocation is already a {@code Mono}).
	 */
	@SuppressWarnings("unchecked")
	private static Publisher<Object> toPublisher(@Nullable Object result) {
		if (result == null) {
			return Mono.empty();
		}
		if (result instanceof Publisher<?> publisher) {
			return (Publisher<Object>) publisher;
		}
		ReactiveAdapter adapter = ReactiveAdapterRegistry.getSharedInstance().getAdapter(result.getClass());
		if (adapter == null) {
			throw new IllegalStateException("No reactive adapter for " + result.getClass().getName());
		}
		return adapter.toPublisher(result);
	}

	/**
	 * The offloaded call as the method's declared type. A Kotlin {@code suspend} function
	 * keeps the {@code Mono}: Spring's AOP proxy awaits it for the caller's coroutine, so
	 * that cancelling the coroutine cancels the subscription, and with it the task.
	 */
	private static Object adaptBack(MethodInvocation invocation, Publisher<?> offloaded) {
		Method method = invocation.getMethod();
		if (KotlinDetector.isSuspendingFunction(method)) {
			return offloaded;
		}
		Class<?> declared = method.getReturnType();
		if (declared.isInstance(offloaded)) {
			return offloaded;
		}
		ReactiveAdapter adapter = BlockingMethod.adapter(declared);
		if (adapter == null) {
			throw new IllegalStateException("No reactive adapter for " + declared.getName());
		}
		return adapter.fromPublisher(offloaded);
	}

	private static Mono<Object> fromStage(@Nullable Object result) {
		return (result != null) ? Mono.fromCompletionStage(asStage(result)) : Mono.empty();
	}

	@SuppressWarnings("unchecked")
	private static CompletionStage<Object> asStage(Object result) {
		return (CompletionStage<Object>) result;
	}

	private Advised describe(Method method, Class<?> targetClass) {
		MethodKey key = new MethodKey(method, targetClass);
		Advised resolved = this.methods.get(key);
		if (resolved == null) {
			// Resolved once per method and class; afterwards a plain get, without a lambda per call.
			resolved = this.methods.computeIfAbsent(key, this::resolve);
		}
		return resolved;
	}

	private Advised resolve(MethodKey key) {
		Method specific = AopUtils.getMostSpecificMethod(key.method(), key.targetClass());
		Blocking annotation = BlockingMethod.findAnnotation(specific, key.targetClass());
		if (annotation == null) {
			return NOT_BLOCKING;
		}
		BlockingMethod method = BlockingMethod.resolve(specific, key.targetClass(), annotation, this.bridge);
		return new Advised(method, this.offloader.pool(method.pool()));
	}

	/**
	 * A resolved method with its pool, looked up once instead of by name on every call.
	 * @param pool the pool; {@code null} for a method that is not {@code @Blocking}
	 */
	private record Advised(BlockingMethod method, @Nullable BlockingPool pool) {
	}

	/**
	 * A proxy passes the same {@code Method} on every call: identity is checked first, as
	 * {@code Method.equals} compares names and parameter types.
	 */
	private record MethodKey(Method method, Class<?> targetClass) {

		@Override
		public boolean equals(Object other) {
			return (this == other) || (other instanceof MethodKey key && this.targetClass == key.targetClass
					&& (this.method == key.method || this.method.equals(key.method)));
		}

		@Override
		public int hashCode() {
			return this.method.hashCode() * 31 + this.targetClass.hashCode();
		}

	}

}
