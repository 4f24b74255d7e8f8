package dev.bridge.aspect;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import dev.bridge.Blocking;
import dev.bridge.BlockingBridge;
import dev.bridge.InvalidBlockingMethodException;

/**
 * Fails start-up for a {@link Blocking} annotation that cannot work: on a method a Spring
 * proxy cannot intercept (private, static, final, or in a final class), naming an unknown
 * pool, or with an unparsable timeout. Runs before the proxy is created so that the user gets
 * this message instead of a proxy-generation error.
 */
public class BlockingMethodValidator implements BeanPostProcessor, Ordered {

	private final ObjectProvider<BlockingBridge> bridge;

	/**
	 * Create a validator that checks pool names against the bridge's pools.
	 * @param bridge the bridge, looked up only when an annotated method is checked
	 */
	public BlockingMethodValidator(ObjectProvider<BlockingBridge> bridge) {
		this.bridge = bridge;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof BlockingBridge) {
			return bean;
		}
		validate(ClassUtils.getUserClass(bean));
		return bean;
	}

	/**
	 * Checks every {@link Blocking} annotation of a class.
	 * @param type the bean class
	 * @throws InvalidBlockingMethodException for the first problem found
	 */
	public void validate(Class<?> type) {
		if (BlockingMethod.annotatedClass(type) != null) {
			checkProxyable(type, type.getName());
		}
		ReflectionUtils.doWithMethods(type, (method) -> validate(type, method),
				(method) -> method.getDeclaringClass() != Object.class && !method.isBridge() && !method.isSynthetic());
	}

	private void validate(Class<?> type, Method method) {
		boolean own = AnnotatedElementUtils.hasAnnotation(method, Blocking.class);
		Blocking annotation = BlockingMethod.findAnnotation(method, type);
		if (!own && annotation == null) {
			return;
		}
		int modifiers = method.getModifiers();
		String display = BlockingMethod.describe(type, method);
		checkProxyable(type, display);
		if (Modifier.isPrivate(modifiers)) {
			throw new InvalidBlockingMethodException(display,
					"is on a private method, which a Spring proxy cannot intercept",
					"make the method public (or protected) and call it through the bean, not through 'this'");
		}
		if (Modifier.isStatic(modifiers)) {
			throw new InvalidBlockingMethodException(display,
					"is on a static method, which a Spring proxy cannot intercept",
					"make it an instance method of the bean, or run it with BlockingBridge.spawn(() -> ...)");
		}
		if (Modifier.isFinal(modifiers)) {
			throw new InvalidBlockingMethodException(display,
					"is on a final method, which a Spring proxy cannot override",
					"remove 'final' from the method (Kotlin: mark it 'open' or use the all-open Spring plugin)");
		}
		if (annotation != null) {
			BlockingMethod.resolve(method, type, annotation, this.bridge.getObject());
		}
	}

	private static void checkProxyable(Class<?> type, String display) {
		if (Modifier.isFinal(type.getModifiers())) {
			throw new InvalidBlockingMethodException(display,
					"is in final class " + type.getName() + ", which a Spring proxy cannot extend",
					"remove 'final' from the class (Kotlin: mark it 'open' or use the all-open Spring plugin)");
		}
	}

}
