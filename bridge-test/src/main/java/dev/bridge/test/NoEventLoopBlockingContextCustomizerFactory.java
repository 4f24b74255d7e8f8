package dev.bridge.test;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Sets up the application context of a test class that carries {@link NoEventLoopBlocking}
 * (on the class or on one of its methods): the watchdog's threshold is the annotation's
 * (the smallest, when several differ), there is no start-up grace, the watchdog probes
 * often enough to catch a stall of that length with its stack, and
 * {@code bridge.guard.mode} is {@code fail}; in strict mode, the call-site recorder is on
 * ({@code bridge.eventloop.call-sites.enabled}). The threshold and the grace override the
 * application's settings; the guard mode and the interval are defaults that the test's own
 * properties ({@code @SpringBootTest(properties = ...)}, {@code @TestPropertySource}) and
 * system properties override.
 */
class NoEventLoopBlockingContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public @Nullable ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		WatchSettings settings = null;
		boolean strict = false;
		for (Class<?> candidate = testClass; candidate != null; candidate = candidate.getEnclosingClass()) {
			Class<?> type = candidate;
			WatchSettings found = AnnotationSupport.findAnnotation(type, NoEventLoopBlocking.class)
				.map((annotation) -> WatchSettings.of(annotation, type))
				.orElse(null);
			strict |= found != null && found.strict();
			settings = smaller(settings, found);
			for (Method method : ReflectionSupport.findMethods(type,
					(method) -> AnnotationSupport.isAnnotated(method, NoEventLoopBlocking.class),
					HierarchyTraversalMode.TOP_DOWN)) {
				found = AnnotationSupport.findAnnotation(method, NoEventLoopBlocking.class)
					.map((annotation) -> WatchSettings.of(annotation, method))
					.orElse(null);
				strict |= found != null && found.strict();
				settings = smaller(settings, found);
			}
		}
		return (settings != null) ? new Customizer(settings.threshold(), settings.interval(), strict) : null;
	}

	private static @Nullable WatchSettings smaller(@Nullable WatchSettings current, @Nullable WatchSettings other) {
		if (current == null) {
			return other;
		}
		return (other != null && other.threshold().compareTo(current.threshold()) < 0) ? other : current;
	}

	/**
	 * The customizer; equal for equal settings, so that such test classes share a cached
	 * context.
	 */
	record Customizer(Duration threshold, Duration interval, boolean strict) implements ContextCustomizer {

		static final String SOURCE_NAME = "@NoEventLoopBlocking";

		static final String DEFAULTS_SOURCE_NAME = "@NoEventLoopBlocking defaults";

		@Override
		public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
			MutablePropertySources sources = context.getEnvironment().getPropertySources();
			Map<String, Object> settings = new LinkedHashMap<>();
			settings.put("bridge.eventloop.watchdog.threshold", WatchSettings.format(this.threshold));
			settings.put("bridge.eventloop.watchdog.startup-grace", "0s");
			if (this.strict) {
				settings.put("bridge.eventloop.call-sites.enabled", "true");
			}
			sources.addFirst(new MapPropertySource(SOURCE_NAME, settings));
			Map<String, Object> defaults = new LinkedHashMap<>();
			defaults.put("bridge.guard.mode", "fail");
			defaults.put("bridge.eventloop.watchdog.interval", WatchSettings.format(this.interval));
			MapPropertySource defaultsSource = new MapPropertySource(DEFAULTS_SOURCE_NAME, defaults);
			// below the test's own property sources, which come first, above the application's
			if (sources.contains(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME)) {
				sources.addBefore(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME, defaultsSource);
			}
			else {
				sources.addLast(defaultsSource);
			}
		}

	}

}
