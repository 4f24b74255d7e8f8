package dev.bridge.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fails a test during which the code under test blocked an event loop: while each test runs,
 * every event loop (Reactor Netty's server and client loops, {@code Schedulers.parallel()}) is
 * watched, and when code stalled one for {@link #threshold()} or longer, or BlockHound (when
 * it is installed with Bridge's integration) caught a blocking call on one, the test fails
 * after it ends. The failure names each loop thread, how long it was stalled and the stack
 * from the first application frame.
 * <p>
 * In a Spring test ({@code @SpringBootTest} in any web environment, {@code @WebFluxTest}),
 * the application context's own watchdog is used, with the annotation's threshold, no
 * start-up grace, and {@code bridge.guard.mode=fail} unless the test sets that property
 * itself. In a plain test, a watchdog of this module's own watches Reactor Netty's global
 * loops and {@code Schedulers.parallel()}.
 * <p>
 * A stall that began before the test (context start-up, class loading, an earlier test) never
 * fails it. Loops are shared by the whole JVM, so tests that run in parallel see each other's
 * stalls.
 *
 * @see EventLoopStalls
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NoEventLoopBlockingExtension.class)
public @interface NoEventLoopBlocking {

	/**
	 * Shortest stall that fails the test, as a duration string ({@code "50ms"},
	 * {@code "200ms"}, {@code "PT0.1S"}).
	 * @return the threshold
	 */
	String threshold() default "50ms";

	/**
	 * Whether short blocking calls on a loop (socket and file reads and writes, sleeps, lock
	 * waits) fail the test too, even when they never stall it for the threshold. They are
	 * seen through JDK Flight Recorder events, with no JVM flag.
	 * @return {@code true} for strict mode
	 */
	boolean strict() default false;

}
