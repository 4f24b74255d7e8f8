package dev.bridge.demo.load;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.bridge.demo.web.InvalidParameterException;
import reactor.core.publisher.Mono;

/**
 * {@code POST /demo/load/bridged} and {@code POST /demo/load/naive}: the live page's buttons.
 * Each fires {@code requests} legacy calls (at most {@value #MAX_REQUESTS}, each taking
 * {@code delayMs}, at most {@value #MAX_DELAY_MS} ms) at this server, {@code concurrency} at a
 * time, so a load lasts a few seconds and never more than about half a minute.
 */
@RestController
@RequestMapping("/demo/load")
class LoadController {

	static final int MAX_REQUESTS = 32;

	static final int MAX_CONCURRENCY = 8;

	static final long MAX_DELAY_MS = 1_000;

	private final LoadGenerator generator;

	LoadController(LoadGenerator generator) {
		this.generator = generator;
	}

	@PostMapping("/bridged")
	Mono<LoadReport> bridged(ServerHttpRequest request, @RequestParam(defaultValue = "12") int requests,
			@RequestParam(defaultValue = "2") int concurrency, @RequestParam(defaultValue = "500") long delayMs) {
		return run(LoadMode.BRIDGED, request, requests, concurrency, delayMs);
	}

	@PostMapping("/naive")
	Mono<LoadReport> naive(ServerHttpRequest request, @RequestParam(defaultValue = "12") int requests,
			@RequestParam(defaultValue = "2") int concurrency, @RequestParam(defaultValue = "500") long delayMs) {
		return run(LoadMode.NAIVE, request, requests, concurrency, delayMs);
	}

	private Mono<LoadReport> run(LoadMode mode, ServerHttpRequest request, int requests, int concurrency,
			long delayMs) {
		InvalidParameterException.requireInRange("requests", requests, 1, MAX_REQUESTS, "calls");
		InvalidParameterException.requireInRange("concurrency", concurrency, 1, MAX_CONCURRENCY, "calls");
		InvalidParameterException.requireInRange("delayMs", delayMs, 0, MAX_DELAY_MS, "ms");
		return this.generator.run(mode, server(request), requests, concurrency, delayMs);
	}

	/**
	 * The address this request came in on: the load goes to this very server, whatever its
	 * port and bind address.
	 */
	static URI server(ServerHttpRequest request) {
		URI uri = request.getURI();
		InetSocketAddress local = request.getLocalAddress();
		if (local == null || local.getAddress() == null) {
			return URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
		}
		// An IPv6 scope (fe80::1%eth0) has no place in a URI; the address alone reaches it locally.
		String host = local.getAddress().getHostAddress().replaceFirst("%.*$", "");
		try {
			return new URI(uri.getScheme(), null, host, local.getPort(), null, null, null);
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException("Cannot address this server at " + local, ex);
		}
	}

}
