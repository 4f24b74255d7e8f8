package dev.bridge.aspect;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Makes a Kotlin {@code suspend} function's body run where its invocation is subscribed.
 * Spring's AOP invokes a suspend function as a {@code Mono} whose coroutine takes the
 * caller's coroutine context, dispatcher included, so the body would be dispatched back to
 * the caller's threads (an event loop in a WebFlux handler) even though the aspect subscribes
 * on the pool. The invocation's continuation is replaced by one whose context has
 * {@code Dispatchers.Unconfined} instead: the coroutine starts on the subscribing pool
 * thread, inside the offloaded task. Kotlin is reached by reflection, only when a suspend
 * function is called, so that nothing Kotlin is needed on the class path otherwise.
 */
final class SuspendingCall {

	private SuspendingCall() {
	}

	/**
	 * Replaces the continuation, the last argument of the invocation (the proxy keeps its own
	 * for awaiting the result).
	 * @param invocation the invocation of a suspend function
	 */
	static void dispatchOnSubscribingThread(MethodInvocation invocation) throws ReflectiveOperationException {
		if (!(invocation instanceof ProxyMethodInvocation proxyInvocation)) {
			return;
		}
		Object[] arguments = invocation.getArguments().clone();
		int last = arguments.length - 1;
		if (last < 0 || !Kotlin.CONTINUATION.isInstance(arguments[last])) {
			return;
		}
		Object continuation = arguments[last];
		Object context = Kotlin.PLUS.invoke(Kotlin.GET_CONTEXT.invoke(continuation), Kotlin.UNCONFINED);
		InvocationHandler handler = (proxy, method, args) -> {
			if (method.equals(Kotlin.GET_CONTEXT)) {
				return context;
			}
			return method.invoke(continuation, args);
		};
		arguments[last] = Proxy.newProxyInstance(Kotlin.CONTINUATION.getClassLoader(),
				new Class<?>[] { Kotlin.CONTINUATION }, handler);
		proxyInvocation.setArguments(arguments);
	}

	/**
	 * Kotlin's classes and members, loaded on first use.
	 */
	private static final class Kotlin {

		static final Class<?> CONTINUATION;

		static final Method GET_CONTEXT;

		static final Method PLUS;

		static final Object UNCONFINED;

		static {
			try {
				ClassLoader loader = SuspendingCall.class.getClassLoader();
				CONTINUATION = Class.forName("kotlin.coroutines.Continuation", false, loader);
				Class<?> context = Class.forName("kotlin.coroutines.CoroutineContext", false, loader);
				GET_CONTEXT = CONTINUATION.getMethod("getContext");
				PLUS = context.getMethod("plus", context);
				UNCONFINED = Class.forName("kotlinx.coroutines.Dispatchers", true, loader)
					.getMethod("getUnconfined")
					.invoke(null);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("Kotlin coroutines could not be loaded", ex);
			}
		}

	}

}
