package dev.bridge.demo.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Fires a bounded number of legacy calls at the demo itself with {@link WebClient}, and times
 * {@code /api/ping} on new connections meanwhile. One load runs at a time.
 */
@Component
public class LoadGenerator {

	/**
	 * How often {@code /api/ping} is timed while a load runs.
	 */
	static final Duration PING_PERIOD = Duration.ofMillis(100);

	/**
	 * Pings in flight at once: a ping stuck behind a blocked loop does not stop the others.
	 */
	static final int PING_CONCURRENCY = 4;

	/**
	 * Longest wait for one call or ping; the routes themselves take at most about a second.
	 */
	static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

	private final WebClient webClient;

	private final AtomicReference<@Nullable LoadMode> running = new AtomicReference<>();

	LoadGenerator(WebClient.Builder webClient) {
		this.webClient = webClient.build();
	}

	/**
	 * Runs a load against a server.
	 * @param mode which route to call
	 * @param server base URI of the server, usually the demo itself
	 * @param requests how many calls
	 * @param concurrency how many calls in flight at once
	 * @param delayMs how long each legacy call takes
	 * @return the report, once every call and ping has ended; an error
	 * {@link LoadAlreadyRunningException} if another load runs
	 */
	public Mono<LoadReport> run(LoadMode mode, URI server, int requests, int concurrency, long delayMs) {
		return Mono.defer(() -> {
			LoadMode other = this.running.compareAndExchange(null, mode);
			if (other != null) {
				return Mono.error(new LoadAlreadyRunningException(other));
			}
			long start = System.nanoTime();
			Mono<Calls> calls = Flux.range(1, requests)
				.flatMap((id) -> call(server.resolve(mode.path(id, delayMs))), concurrency)
				.reduce(new Calls(0, 0, 0), Calls::add)
				.map((counts) -> counts.finished(start))
				.cache();
			Mono<List<Double>> pings = Flux.interval(Duration.ZERO, PING_PERIOD)
				.takeUntilOther(calls)
				// A tick while PING_CONCURRENCY pings are still out is skipped, not queued.
				.onBackpressureDrop()
				.flatMap((tick) -> ping(server.resolve("/api/ping")), PING_CONCURRENCY)
				.collectList();
			return Mono.zip(calls, pings)
				.map((result) -> report(mode, delayMs, requests, concurrency, result.getT1(), result.getT2()))
				.doFinally((signal) -> this.running.set(null));
		});
	}

	private Mono<Boolean> call(URI uri) {
		return this.webClient.get()
			.uri(uri)
			.retrieve()
			.toBodilessEntity()
			.map((response) -> response.getStatusCode().is2xxSuccessful())
			.timeout(CALL_TIMEOUT)
			.onErrorReturn(false);
	}

	private Mono<Double> ping(URI uri) {
		return Mono.defer(() -> {
			long start = System.nanoTime();
			// A new connection each time, so that pings land on every event loop in turn.
			return this.webClient.get()
				.uri(uri)
				.header(HttpHeaders.CONNECTION, "close")
				.retrieve()
				.toBodilessEntity()
				.map((response) -> (System.nanoTime() - start) / 1_000_000.0);
		}).timeout(CALL_TIMEOUT).onErrorResume((ex) -> Mono.empty());
	}

	private static LoadReport report(LoadMode mode, long delayMs, int requests, int concurrency, Calls calls,
			List<Double> pings) {
		List<Double> sorted = new ArrayList<>(pings);
		Collections.sort(sorted);
		double median = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
		double max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
		return new LoadReport(mode.toString(), mode.route(delayMs), requests, concurrency, calls.succeeded(),
				calls.failed(), calls.elapsedMillis(), sorted.size(), round(median), round(max));
	}

	private static double round(double millis) {
		return Math.round(millis * 10) / 10.0;
	}

	private record Calls(int succeeded, int failed, long elapsedMillis) {

		Calls add(boolean ok) {
			return ok ? new Calls(this.succeeded + 1, this.failed, 0) : new Calls(this.succeeded, this.failed + 1, 0);
		}

		Calls finished(long startNanos) {
			return new Calls(this.succeeded, this.failed, (System.nanoTime() - startNanos) / 1_000_000);
		}

	}

}
