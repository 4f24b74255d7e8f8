package dev.bridge.demo.users;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.bridge.demo.config.DemoProperties;
import reactor.core.publisher.Mono;

/**
 * The user API the demo calls unless {@code demo.upstream.base-url} points elsewhere. It
 * answers after {@code demo.upstream.delay} without holding a thread ({@link Mono#delay}), like
 * a remote service would, and checks the {@code X-Api-Key} header.
 */
@RestController
@RequestMapping(BuiltInUserApi.PATH)
class BuiltInUserApi {

	static final String PATH = "/upstream";

	private static final String[] FIRST_NAMES = { "Ada", "Alan", "Barbara", "Edsger", "Grace", "Ken", "Leslie",
			"Margaret", "Niklaus", "Radia" };

	private static final String[] LAST_NAMES = { "Lovelace", "Turing", "Liskov", "Dijkstra", "Hopper", "Thompson",
			"Lamport", "Hamilton", "Wirth", "Perlman" };

	private static final LocalDate EPOCH = LocalDate.of(2015, 1, 1);

	private final byte[] apiKey;

	private final Duration delay;

	BuiltInUserApi(DemoProperties properties) {
		this.apiKey = properties.apiKey().getBytes(StandardCharsets.UTF_8);
		this.delay = properties.upstream().delay();
	}

	@GetMapping("/users/{id}")
	Mono<UpstreamUser> user(@PathVariable String id,
			@RequestHeader(name = UserApiClient.API_KEY_HEADER, required = false) @Nullable String apiKey) {
		// MessageDigest.isEqual takes the same time whatever the key: no timing oracle.
		if (apiKey == null || !MessageDigest.isEqual(this.apiKey, apiKey.getBytes(StandardCharsets.UTF_8))) {
			return Mono.error(error(HttpStatus.UNAUTHORIZED, "Missing or wrong " + UserApiClient.API_KEY_HEADER
					+ " header; send the key configured as demo.api-key"));
		}
		long number = parseId(id);
		if (number <= 0) {
			return Mono.error(error(HttpStatus.NOT_FOUND, "No user '" + id + "'; user ids are positive integers"));
		}
		return Mono.delay(this.delay).map((tick) -> user(number));
	}

	private static long parseId(String id) {
		try {
			return Long.parseLong(id);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	private static UpstreamUser user(long number) {
		String first = FIRST_NAMES[(int) (number % FIRST_NAMES.length)];
		String last = LAST_NAMES[(int) ((number / FIRST_NAMES.length) % LAST_NAMES.length)];
		return new UpstreamUser(Long.toString(number), first, last,
				first.toLowerCase(Locale.ROOT) + "." + last.toLowerCase(Locale.ROOT) + number + "@example.org",
				EPOCH.plusDays((number * 37) % 3650));
	}

	private static ErrorResponseException error(HttpStatus status, String detail) {
		return new ErrorResponseException(status, ProblemDetail.forStatusAndDetail(status, detail), null);
	}

}
