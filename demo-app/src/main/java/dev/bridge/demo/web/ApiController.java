package dev.bridge.demo.web;

import java.time.Duration;

import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bridge.demo.legacy.LegacyClient;
import dev.bridge.demo.legacy.LegacyRecord;
import dev.bridge.demo.thumbnails.Thumbnail;
import dev.bridge.demo.thumbnails.ThumbnailRenderer;
import dev.bridge.demo.users.LegacyProfileFormatter;
import dev.bridge.demo.users.UserApiClient;
import dev.bridge.demo.users.UserProfile;
import reactor.core.publisher.Mono;

/**
 * The well-behaved routes: handler methods run on the event loop and only assemble the
 * pipeline; every blocking or CPU-heavy step is a {@code @Blocking} method that runs on a
 * Bridge pool, so the loop stays free for other requests.
 */
@RestController
@RequestMapping("/api")
class ApiController {

	/**
	 * Response header naming the thread that did the work of a PNG response.
	 */
	static final String WORKER_THREAD_HEADER = "X-Worker-Thread";

	private final UserApiClient users;

	private final LegacyProfileFormatter formatter;

	private final ThumbnailRenderer renderer;

	private final LegacyClient legacy;

	ApiController(UserApiClient users, LegacyProfileFormatter formatter, ThumbnailRenderer renderer,
			LegacyClient legacy) {
		this.users = users;
		this.formatter = formatter;
		this.renderer = renderer;
		this.legacy = legacy;
	}

	@GetMapping("/ping")
	Mono<String> ping() {
		return Mono.just("pong");
	}

	/**
	 * Async I/O on the event loop, then the synchronous transform on {@code bridge-default-*},
	 * then back to the loop to write the JSON.
	 */
	@GetMapping("/users/{id}")
	Mono<UserProfile> user(@PathVariable String id) {
		return this.users.fetch(id).flatMap(this.formatter::format);
	}

	@GetMapping("/thumbnails/{id}")
	Mono<ResponseEntity<byte[]>> thumbnail(@PathVariable String id,
			@RequestParam(defaultValue = "128") int size) {
		InvalidParameterException.requireInRange("size", size, ThumbnailRenderer.MIN_SIZE,
				ThumbnailRenderer.MAX_SIZE, "pixels");
		return this.renderer.render(id, size).map(ApiController::png);
	}

	@GetMapping("/legacy/{id}")
	Mono<LegacyRecord> legacy(@PathVariable String id, @RequestParam(defaultValue = "100") long delayMs) {
		InvalidParameterException.requireInRange("delayMs", delayMs, 0, LegacyClient.MAX_DELAY_MS, "ms");
		return this.legacy.lookup(id, Duration.ofMillis(delayMs));
	}

	static ResponseEntity<byte[]> png(Thumbnail thumbnail) {
		return ResponseEntity.ok()
			.contentType(MediaType.IMAGE_PNG)
			.cacheControl(CacheControl.noStore())
			.header(WORKER_THREAD_HEADER, thumbnail.renderedOn())
			.body(thumbnail.png());
	}

}
