package dev.bridge.demo.web;

import java.time.Duration;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bridge.demo.legacy.LegacyClient;
import dev.bridge.demo.legacy.LegacyRecord;
import dev.bridge.demo.thumbnails.ThumbnailRenderer;
import reactor.core.publisher.Mono;

/**
 * The anti-pattern, on purpose: the same work as {@code /api/thumbnails} and
 * {@code /api/legacy}, done inside the handler method, on the event loop ({@code reactor-http-*}).
 * While it runs, every other connection served by that loop waits, {@code /api/ping}
 * included; the event-loop watchdog reports it. Never copy this.
 */
@RestController
@RequestMapping("/naive")
class NaiveController {

	private final ThumbnailRenderer renderer;

	private final LegacyClient legacy;

	NaiveController(ThumbnailRenderer renderer, LegacyClient legacy) {
		this.renderer = renderer;
		this.legacy = legacy;
	}

	@GetMapping("/thumbnails/{id}")
	Mono<ResponseEntity<byte[]>> thumbnail(@PathVariable String id,
			@RequestParam(defaultValue = "128") int size) {
		InvalidParameterException.requireInRange("size", size, ThumbnailRenderer.MIN_SIZE,
				ThumbnailRenderer.MAX_SIZE, "pixels");
		return Mono.just(ApiController.png(this.renderer.renderNow(id, size)));
	}

	@GetMapping("/legacy/{id}")
	Mono<LegacyRecord> legacy(@PathVariable String id, @RequestParam(defaultValue = "100") long delayMs) {
		InvalidParameterException.requireInRange("delayMs", delayMs, 0, LegacyClient.MAX_DELAY_MS, "ms");
		return Mono.just(this.legacy.lookupNow(id, Duration.ofMillis(delayMs)));
	}

}
