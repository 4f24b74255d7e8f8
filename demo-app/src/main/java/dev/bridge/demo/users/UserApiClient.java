package dev.bridge.demo.users;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.reactive.context.ReactiveWebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.codec.CodecException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import dev.bridge.demo.config.DemoProperties;
import reactor.core.publisher.Mono;

/**
 * Async client of the user API ({@code GET <base-url>/users/{id}}): non-blocking I/O on the
 * event loop, bounded by {@code demo.upstream.timeout}, with failures turned into
 * {@link UpstreamException} (502/504) or {@link UserNotFoundException} (404).
 */
@Component
public class UserApiClient {

	/**
	 * Header that carries {@code demo.api-key}.
	 */
	public static final String API_KEY_HEADER = "X-Api-Key";

	private final WebClient webClient;

	private final String apiKey;

	private final Duration timeout;

	private final boolean builtIn;

	private volatile @Nullable String baseUrl;

	UserApiClient(WebClient.Builder webClient, DemoProperties properties) {
		this.webClient = webClient.build();
		this.apiKey = properties.apiKey();
		this.timeout = properties.upstream().timeout();
		this.builtIn = properties.upstream().baseUrl() == null;
		this.baseUrl = this.builtIn ? null : trimTrailingSlash(properties.upstream().baseUrl().toString());
	}

	private static String trimTrailingSlash(String url) {
		return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
	}

	/**
	 * Learns the built-in user API's address once the server has a port (it is random in
	 * tests and benchmarks).
	 * @param event the main server's start
	 */
	@EventListener
	void serverStarted(ReactiveWebServerInitializedEvent event) {
		if (this.builtIn && event.getApplicationContext().getServerNamespace() == null) {
			this.baseUrl = "http://127.0.0.1:" + event.getWebServer().getPort() + BuiltInUserApi.PATH;
		}
	}

	/**
	 * The base URL calls go to.
	 * @return the base URL, {@code null} before the server started when the built-in API is
	 * used
	 */
	public @Nullable String baseUrl() {
		return this.baseUrl;
	}

	/**
	 * Fetches a user, without blocking.
	 * @param id the user id
	 * @return the user, or an error: {@link UserNotFoundException}, {@link UpstreamException}
	 */
	public Mono<UpstreamUser> fetch(String id) {
		String base = this.baseUrl;
		if (base == null) {
			return Mono.error(new IllegalStateException(
					"The built-in user API has no address yet: the web server has not started"));
		}
		return this.webClient.get()
			.uri(base + "/users/{id}", id)
			.header(API_KEY_HEADER, this.apiKey)
			.accept(MediaType.APPLICATION_JSON)
			.retrieve()
			.bodyToMono(UpstreamUser.class)
			.timeout(this.timeout)
			.onErrorMap((ex) -> translate(ex, id, base));
	}

	private Throwable translate(Throwable ex, String id, String base) {
		if (ex instanceof TimeoutException) {
			return UpstreamException.timedOut(base, this.timeout, ex);
		}
		if (ex instanceof WebClientResponseException.NotFound) {
			return new UserNotFoundException(id, ex);
		}
		if (ex instanceof WebClientResponseException response) {
			HttpStatus.Series series = HttpStatus.Series.resolve(response.getStatusCode().value());
			return UpstreamException.refused(base, (series != null) ? series : HttpStatus.Series.SERVER_ERROR,
					response.getStatusCode().toString(), ex);
		}
		if (ex instanceof WebClientRequestException) {
			return UpstreamException.unreachable(base, ex);
		}
		if (ex instanceof CodecException) {
			return UpstreamException.unreadable(base, ex);
		}
		return ex;
	}

}
