package dev.bridge.demo;

import java.time.Duration;

import org.springframework.stereotype.Service;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;

/**
 * A synchronous client of a legacy system: every call blocks its thread.
 */
@Service
public class LegacyClient {

	/**
	 * Looks a record up in the legacy system, on a Bridge pool.
	 * @param id the record id
	 * @param delay how long the legacy system takes
	 * @return the record
	 */
	@Blocking
	public Mono<String> lookup(String id, Duration delay) {
		return Mono.fromCallable(() -> lookupNow(id, delay));
	}

	/**
	 * The blocking call itself.
	 * @param id the record id
	 * @param delay how long the legacy system takes
	 * @return the record
	 * @throws InterruptedException if the call is cancelled
	 */
	public String lookupNow(String id, Duration delay) throws InterruptedException {
		Thread.sleep(delay.toMillis());
		return "legacy-" + id + " via " + Thread.currentThread().getName();
	}

}
