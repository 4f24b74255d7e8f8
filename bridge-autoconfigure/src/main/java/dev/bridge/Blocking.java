package dev.bridge;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks synchronous (blocking) code so that it never runs on an event loop.
 * <p>
 * On a Spring bean method, the {@code @Blocking} aspect moves the body onto the named
 * bounded pool of the {@link BlockingBridge}:
 * <ul>
 * <li>{@code Mono<T>} / {@code Flux<T>}: the invocation is deferred to subscription and runs
 * on the pool;</li>
 * <li>{@code CompletableFuture<T>} / {@code CompletionStage<T>}: runs on the pool, the
 * returned future completes with the method's result or exception;</li>
 * <li>any other return type: the call cannot be moved without changing the caller, so it is
 * guarded instead: on an event loop {@code bridge.guard.mode} decides (fail, warn, off). In a
 * WebFlux controller such a method is run by WebFlux itself on the pool.</li>
 * </ul>
 * On a type, applies to every public method of the type; a method-level annotation wins.
 * Calls from inside the same object ({@code this.method()}) bypass the Spring proxy and are
 * not moved.
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface Blocking {

	/**
	 * Name of the pool to run on, one of the {@code bridge.pools.*} names.
	 * @return the pool name
	 */
	String pool() default BlockingBridge.DEFAULT_POOL;

	/**
	 * Per-call timeout as a {@link java.time.Duration} string ({@code 500ms}, {@code 2s},
	 * {@code PT1M}); empty means the pool's {@code timeout}.
	 * @return the timeout
	 */
	String timeout() default "";

}
