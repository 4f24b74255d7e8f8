package dev.bridge.aspect;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.KotlinDetector;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ReflectionUtils;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import dev.bridge.InvalidBlockingMethodException;
import dev.bridge.settings.DurationText;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the aspect needs to know of one {@link Blocking} method: where it runs, its timeout
 * and how its return type lets the call be moved.
 *
 * @param name {@code SimpleClassName.method}, the observation's {@code method} tag
 * @param pool the pool name
 * @param timeout the per-call timeout, {@code null} for the pool's
 * @param kind how the call is moved
 */
public record BlockingMethod(String name, String pool, @Nullable Duration timeout, Kind kind) {

	/**
	 * How a call is moved off the caller's thread.
	 */
	public enum Kind {

		/** Deferred to subscription, runs on the pool. */
		MONO,

		/** Deferred to subscription, runs on the pool. */
		FLUX,

		/** Runs on the pool, result relayed to the returned future. */
		FUTURE,

		/**
		 * Another single-value type Spring's {@code ReactiveAdapterRegistry} adapts (an
		 * RxJava {@code Single}, a Mutiny {@code Uni}, ...), or a Kotlin {@code suspend}
		 * function (whose invocation Spring's AOP turns into a {@code Mono}): as
		 * {@link #MONO}, adapted back to the declared type.
		 */
		REACTIVE_SINGLE,

		/**
		 * Another multi-value type Spring's {@code ReactiveAdapterRegistry} adapts (a plain
		 * {@code Publisher}, an RxJava {@code Flowable}, a Kotlin {@code Flow}, ...): as
		 * {@link #FLUX}, adapted back to the declared type.
		 */
		REACTIVE_MULTI,

		/** Cannot be moved: guarded on event loops. */
		PLAIN

	}

	/**
	 * The {@link Blocking} annotation in force for a method of a bean class: the method's own
	 * (found on the method, the methods it overrides and interface methods it implements),
	 * else the one on the nearest annotated class of the bean's hierarchy, which covers the
	 * public instance methods declared in that class and its subclasses, but not those
	 * inherited from unannotated superclasses nor {@code toString}/{@code equals}/
	 * {@code hashCode}. The aspect's pointcut, start-up validation and WebFlux's
	 * controller predicate all use this one rule.
	 * @param method the method
	 * @param targetClass the bean class
	 * @return the annotation, or {@code null}
	 */
	static @Nullable Blocking findAnnotation(Method method, Class<?> targetClass) {
		Blocking own = AnnotatedElementUtils.findMergedAnnotation(method, Blocking.class);
		if (own != null) {
			return own;
		}
		int modifiers = method.getModifiers();
		if (!Modifier.isPublic(modifiers) || Modifier.isStatic(modifiers) || method.getDeclaringClass() == Object.class
				|| ReflectionUtils.isToStringMethod(method) || ReflectionUtils.isEqualsMethod(method)
				|| ReflectionUtils.isHashCodeMethod(method)) {
			return null;
		}
		Class<?> annotatedClass = annotatedClass(targetClass);
		if (annotatedClass == null || !annotatedClass.isAssignableFrom(method.getDeclaringClass())) {
			return null;
		}
		return AnnotatedElementUtils.findMergedAnnotation(annotatedClass, Blocking.class);
	}

	/**
	 * The nearest class of the hierarchy that carries {@link Blocking} itself (directly or as
	 * a meta-annotation).
	 * @param type the bean class
	 * @return the class, or {@code null}
	 */
	static @Nullable Class<?> annotatedClass(Class<?> type) {
		for (Class<?> current = type; current != null && current != Object.class; current = current.getSuperclass()) {
			if (MergedAnnotations.from(current, SearchStrategy.DIRECT).isPresent(Blocking.class)) {
				return current;
			}
		}
		return null;
	}

	/**
	 * Resolves a method's descriptor, checking the annotation's values.
	 * @param method the method
	 * @param targetClass the bean class
	 * @param annotation the annotation in force
	 * @param bridge the bridge, to check the pool name
	 * @return the descriptor
	 * @throws InvalidBlockingMethodException for an unknown pool or unparsable timeout
	 */
	static BlockingMethod resolve(Method method, Class<?> targetClass, Blocking annotation, BlockingBridge bridge) {
		String display = describe(targetClass, method);
		if (!bridge.hasPool(annotation.pool())) {
			throw new InvalidBlockingMethodException(display,
					"names pool '" + annotation.pool() + "', which is not configured (pools: "
							+ bridge.pools().stream().map((pool) -> pool.name()).toList() + ")",
					"define it with bridge.pools." + annotation.pool()
							+ ".max-threads=..., or name a configured pool in @Blocking(pool = ...)");
		}
		Duration timeout = parseTimeout(annotation.timeout(), display);
		String name = targetClass.getSimpleName() + "." + method.getName();
		return new BlockingMethod(name, annotation.pool(), timeout, kindOf(method));
	}

	private static @Nullable Duration parseTimeout(String timeout, String display) {
		if (timeout.isBlank()) {
			return null;
		}
		Duration parsed;
		try {
			parsed = DurationStyle.detectAndParse(timeout.trim());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidBlockingMethodException(display, "has timeout \"" + timeout + "\", which is not a duration",
					"write it like \"500ms\", \"2s\" or \"PT1M\", or leave it empty for the pool's timeout");
		}
		if (parsed.isNegative() || parsed.isZero()) {
			throw new InvalidBlockingMethodException(display,
					"has timeout \"" + timeout + "\", which is not strictly positive",
					"use a positive duration such as \"2s\", or leave it empty for the pool's timeout");
		}
		if (!DurationText.fitsInNanos(parsed)) {
			throw new InvalidBlockingMethodException(display,
					"has timeout \"" + timeout + "\", which is longer than the longest duration in nanoseconds "
							+ "(106751d), so every call would fail when the timeout is set",
					"use at most \"106751d\", or leave it empty for the pool's timeout (none unless "
							+ "bridge.pools.<name>.timeout is set)");
		}
		return parsed;
	}

	/**
	 * How a method's calls are moved: by its return type, or as a Kotlin {@code suspend}
	 * function (JVM return type {@code Object}), which Spring's AOP invokes as a
	 * {@code Mono} and awaits for the caller's coroutine.
	 * @param method the method
	 * @return the kind
	 */
	static Kind kindOf(Method method) {
		if (KotlinDetector.isSuspendingFunction(method)) {
			return Kind.REACTIVE_SINGLE;
		}
		return kindOf(method.getReturnType());
	}

	/**
	 * How calls returning a type are moved.
	 * @param returnType the declared return type
	 * @return the kind
	 */
	static Kind kindOf(Class<?> returnType) {
		if (Mono.class.isAssignableFrom(returnType)) {
			return Kind.MONO;
		}
		if (Flux.class.isAssignableFrom(returnType)) {
			return Kind.FLUX;
		}
		if (returnType == CompletableFuture.class || returnType == CompletionStage.class) {
			return Kind.FUTURE;
		}
		ReactiveAdapter adapter = adapter(returnType);
		if (adapter != null) {
			return adapter.isMultiValue() ? Kind.REACTIVE_MULTI : Kind.REACTIVE_SINGLE;
		}
		return Kind.PLAIN;
	}

	/**
	 * The adapter of Spring's shared registry for a declared return type, if it has one.
	 * @param returnType the type
	 * @return the adapter, or {@code null}
	 */
	static @Nullable ReactiveAdapter adapter(Class<?> returnType) {
		if (returnType == Object.class || returnType == void.class) {
			return null;
		}
		return ReactiveAdapterRegistry.getSharedInstance().getAdapter(returnType);
	}

	/**
	 * Names a method as messages show it, {@code com.example.Service.method(..)}.
	 * @param targetClass the class the method is called on
	 * @param method the method
	 * @return the description
	 */
	static String describe(Class<?> targetClass, Method method) {
		return targetClass.getName() + "." + method.getName() + "(..)";
	}

}
