package dev.bridge.aspect;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.method.HandlerMethod;

import dev.bridge.Blocking;
import dev.bridge.InvalidBlockingMethodException;

/**
 * Which controller methods WebFlux runs on the bridge pool: {@link Blocking} handler methods
 * whose return type the aspect cannot move (plain values). WebFlux's hook has one executor
 * for every controller, so such a method must use that executor's pool; naming another one
 * is refused at start-up rather than ignored.
 */
public final class BlockingControllerMethods {

	private final String pool;

	/**
	 * Create the rule for WebFlux's blocking executor.
	 * @param pool the pool that executor runs on
	 */
	public BlockingControllerMethods(String pool) {
		this.pool = pool;
	}

	/**
	 * The pool WebFlux runs blocking controller methods on.
	 * @return the pool name
	 */
	public String pool() {
		return this.pool;
	}

	/**
	 * Whether WebFlux should invoke the handler method on the bridge executor.
	 * @param handlerMethod the handler method
	 * @return {@code true} for a {@code @Blocking} method with a plain return type
	 */
	public boolean matches(HandlerMethod handlerMethod) {
		Method method = handlerMethod.getMethod();
		return isBlockingPlain(method, ClassUtils.getUserClass(handlerMethod.getBeanType()));
	}

	private static boolean isBlockingPlain(Method method, Class<?> type) {
		return BlockingMethod.kindOf(method) == BlockingMethod.Kind.PLAIN
				&& findAnnotation(method, type) != null;
	}

	private static @Nullable Blocking findAnnotation(Method method, Class<?> type) {
		return BlockingMethod.findAnnotation(ClassUtils.getMostSpecificMethod(method, type), type);
	}

	/**
	 * Refuses a controller whose plain-returning {@code @Blocking} handler names another
	 * pool than the one WebFlux's hook uses.
	 * @param type the bean class
	 * @throws InvalidBlockingMethodException for such a handler
	 */
	public void validate(Class<?> type) {
		if (!AnnotatedElementUtils.hasAnnotation(type, Controller.class)) {
			return;
		}
		ReflectionUtils.doWithMethods(type, (method) -> {
			Blocking annotation = findAnnotation(method, type);
			if (annotation != null && !this.pool.equals(annotation.pool()) && isBlockingPlain(method, type)) {
				throw new InvalidBlockingMethodException(type.getName() + "." + method.getName() + "(..)",
						"names pool '" + annotation.pool() + "' on a controller method with a plain return type, "
								+ "which WebFlux runs on its single blocking executor (pool '" + this.pool + "')",
						"return Mono<" + method.getReturnType().getSimpleName() + "> to run on pool '"
								+ annotation.pool() + "', or drop the pool attribute to run on '" + this.pool + "'");
			}
		}, (method) -> method.getDeclaringClass() != Object.class && !method.isBridge() && !method.isSynthetic()
				&& AnnotatedElementUtils.hasAnnotation(method,
						org.springframework.web.bind.annotation.RequestMapping.class));
	}

}
