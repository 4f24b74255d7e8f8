package dev.bridge.demo.config;

import java.net.URI;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The demo's settings as the application binds them. In a normal start they come from the
 * file {@link DemoConfig} read in {@code main}; tests set them directly.
 *
 * @param apiKey key sent to the user API in the {@code X-Api-Key} header, and expected by the
 * built-in one
 * @param upstream the user API
 */
@ConfigurationProperties("demo")
public record DemoProperties(@Nullable String apiKey, @DefaultValue Upstream upstream) {

	public DemoProperties {
		if (apiKey == null || apiKey.isBlank()) {
			throw new IllegalArgumentException(DemoConfig.API_KEY + " is not set; put it in " + DemoConfig.FILE_NAME
					+ " (start through DemoApplication.main) or pass --" + DemoConfig.API_KEY + "=<key>");
		}
	}

	/**
	 * The user API the demo calls.
	 *
	 * @param baseUrl base URL of the user API ({@code GET <base-url>/users/{id}}); unset for the
	 * one built into the demo at {@code /upstream}
	 * @param timeout longest wait for an answer, after which the demo answers 504
	 * @param delay latency of the built-in user API, served without blocking
	 */
	public record Upstream(@Nullable URI baseUrl, @DefaultValue("2s") Duration timeout,
			@DefaultValue("50ms") Duration delay) {

	}

}
