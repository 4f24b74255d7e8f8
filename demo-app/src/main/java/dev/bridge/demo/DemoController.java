package dev.bridge.demo;

import java.time.Duration;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/**
 * Routes of the demo.
 */
@RestController
class DemoController {

	private final LegacyClient legacy;

	DemoController(LegacyClient legacy) {
		this.legacy = legacy;
	}

	@GetMapping("/api/ping")
	Mono<String> ping() {
		return Mono.just("pong");
	}

	@GetMapping("/api/legacy/{id}")
	Mono<String> legacy(@PathVariable String id, @RequestParam(defaultValue = "100") long delayMs) {
		return this.legacy.lookup(id, Duration.ofMillis(delayMs));
	}

}
