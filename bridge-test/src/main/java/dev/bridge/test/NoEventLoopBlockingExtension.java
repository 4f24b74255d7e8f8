package dev.bridge.test;

import java.lang.reflect.AnnotatedElement;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;

import org.springframework.util.ClassUtils;

import dev.bridge.eventloop.LoopCallEvent;
import dev.bridge.eventloop.StallReport;

/**
 * The JUnit extension behind {@link NoEventLoopBlocking}: opens a window on the event-loop
 * watchdog before each test and, after it, fails the test with every episode that began
 * inside the window. The window lives in the test's {@link ExtensionContext.Store}.
 */
public final class NoEventLoopBlockingExtension implements BeforeEachCallback, AfterEachCallback {

	private static final Namespace NAMESPACE = Namespace.create(NoEventLoopBlockingExtension.class);

	private static final String SPRING_EXTENSION = "org.springframework.test.context.junit.jupiter.SpringExtension";

	private static final boolean SPRING_TEST_PRESENT = ClassUtils.isPresent(SPRING_EXTENSION,
			NoEventLoopBlockingExtension.class.getClassLoader());

	@Override
	public void beforeEach(ExtensionContext context) {
		WatchSettings settings = settings(context);
		LoopWatch watch = isSpringTest(context.getRequiredTestClass()) ? SpringLoopWatches.forTest(context, settings)
				: GlobalLoopWatches.forSettings(settings);
		context.getStore(NAMESPACE).put(Window.class, new Window(settings, watch.open(settings.threshold())));
	}

	@Override
	public void afterEach(ExtensionContext context) {
		Window window = context.getStore(NAMESPACE).remove(Window.class, Window.class);
		if (window == null) {
			return;
		}
		LoopWatch.Result result = window.window().close(window.settings().strict());
		List<StallReport> stalls = result.stalls();
		List<LoopCallEvent> calls = window.settings().strict() ? result.calls() : List.of();
		if (!stalls.isEmpty() || !calls.isEmpty()) {
			throw new AssertionFailedError(
					StallMessage.of(testName(context), window.settings().threshold(), stalls, calls));
		}
	}

	static WatchSettings settings(ExtensionContext context) {
		Optional<AnnotatedElement> method = context.getTestMethod().map(AnnotatedElement.class::cast);
		if (method.isPresent()) {
			Optional<NoEventLoopBlocking> annotation = AnnotationSupport.findAnnotation(method.get(),
					NoEventLoopBlocking.class);
			if (annotation.isPresent()) {
				return WatchSettings.of(annotation.get(), method.get());
			}
		}
		for (Class<?> type = context.getRequiredTestClass(); type != null; type = type.getEnclosingClass()) {
			Optional<NoEventLoopBlocking> annotation = AnnotationSupport.findAnnotation(type, NoEventLoopBlocking.class);
			if (annotation.isPresent()) {
				return WatchSettings.of(annotation.get(), type);
			}
		}
		// registered by hand (@ExtendWith or @RegisterExtension)
		return new WatchSettings(WatchSettings.DEFAULT_THRESHOLD, false);
	}

	private static boolean isSpringTest(Class<?> testClass) {
		if (!SPRING_TEST_PRESENT) {
			return false;
		}
		for (Class<?> type = testClass; type != null; type = type.getEnclosingClass()) {
			for (ExtendWith extendWith : AnnotationSupport.findRepeatableAnnotations(type, ExtendWith.class)) {
				for (Class<?> extension : extendWith.value()) {
					if (extension.getName().equals(SPRING_EXTENSION)) {
						return true;
					}
				}
			}
		}
		return false;
	}

	private static String testName(ExtensionContext context) {
		return context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName()
				+ "()";
	}

	private record Window(WatchSettings settings, LoopWatch.Window window) {
	}

}
