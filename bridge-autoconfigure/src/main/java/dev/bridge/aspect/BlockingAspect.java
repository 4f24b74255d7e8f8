package dev.bridge.aspect;

import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.reflect.MethodSignature;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

import org.springframework.aop.support.AopUtils;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import reactor.core.publisher.Mono;

/**
 * Moves {@link Blocking} methods onto the bridge's pools: {@code Mono}/{@code Flux} methods
 * are deferred to subscription and run on the pool, future-returning methods run on the pool,
 * and plain methods are guarded on event loops.
 */
@Aspect
public class BlockingAspect {

	/** Marks a cached method that turned out not to be {@code @Blocking} (inherited type-level match). */
	private static final BlockingMethod NOT_BLOCKING = new BlockingMethod("", "", null, BlockingMethod.Kind.PLAIN);

	private final BlockingBridge bridge;

	private final EventLoopGuard guard;

	private final Map<MethodKey, BlockingMethod> methods = new ConcurrentHashMap<>();

	public BlockingAspect(BlockingBridge bridge, EventLoopGuard guard) {
		this.bridge = bridge;
		this.guard = guard;
	}

	@Around("@annotation(dev.bridge.Blocking) || @within(dev.bridge.Blocking)")
	public Object offload(ProceedingJoinPoint joinPoint) throws Throwable {
		BlockingMethod method = describe(joinPoint);
		if (method == null) {
			return joinPoint.proceed();
		}
		return switch (method.kind()) {
			case MONO -> this.bridge.mono(method.pool(), method.name(), method.timeout(),
					() -> (Mono<?>) proceed(joinPoint));
			case FLUX -> this.bridge.flux(method.pool(), method.name(), method.timeout(),
					() -> (Publisher<?>) proceed(joinPoint));
			case FUTURE -> this.bridge
				.mono(method.pool(), method.name(), method.timeout(), () -> fromStage(proceed(joinPoint)))
				.toFuture();
			case PLAIN -> {
				if (WebFluxDispatch.take()) {
					yield this.bridge.observe(method.pool(), method.name(), () -> proceed(joinPoint));
				}
				this.guard.check(method);
				yield joinPoint.proceed();
			}
		};
	}

	/**
	 * Proceeds where only {@code Exception} may be thrown; errors pass unchanged, and a bare
	 * {@code Throwable} (not possible from Java code) is wrapped.
	 */
	private static Object proceed(ProceedingJoinPoint joinPoint) throws Exception {
		try {
			return joinPoint.proceed();
		}
		catch (Exception | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new UndeclaredThrowableException(ex);
		}
	}

	private static Mono<Object> fromStage(Object result) {
		return (result != null) ? Mono.fromCompletionStage(asStage(result)) : Mono.empty();
	}

	@SuppressWarnings("unchecked")
	private static CompletionStage<Object> asStage(Object result) {
		return (CompletionStage<Object>) result;
	}

	private @Nullable BlockingMethod describe(ProceedingJoinPoint joinPoint) {
		Method method = ((MethodSignature) joinPoint.getSignature()).getMethod();
		Class<?> targetClass = AopUtils.getTargetClass(joinPoint.getTarget());
		BlockingMethod resolved = this.methods.computeIfAbsent(new MethodKey(method, targetClass), (key) -> {
			Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
			Blocking annotation = BlockingMethod.findAnnotation(specific, targetClass);
			return (annotation != null) ? BlockingMethod.resolve(specific, targetClass, annotation, this.bridge)
					: NOT_BLOCKING;
		});
		return (resolved != NOT_BLOCKING) ? resolved : null;
	}

	private record MethodKey(Method method, Class<?> targetClass) {
	}

}
