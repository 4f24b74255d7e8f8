package dev.bridge;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import reactor.core.publisher.Hooks;

/**
 * The context tests again with Reactor's automatic context propagation on (what
 * {@code spring.reactor.context-propagation=auto} does), where Reactor sets thread locals
 * from the Reactor context on the pool thread itself.
 */
class AutomaticContextPropagationTests extends ContextPropagationTests {

	@BeforeAll
	static void setPropagationMode() {
		Hooks.enableAutomaticContextPropagation();
	}

	@AfterAll
	static void restorePropagationMode() {
		Hooks.disableAutomaticContextPropagation();
	}

}
