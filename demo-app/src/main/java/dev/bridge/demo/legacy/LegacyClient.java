package dev.bridge.demo.legacy;

import java.time.Duration;

import org.springframework.stereotype.Service;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;

/**
 * A synchronous client of a legacy system: every call blocks its thread for as long as the
 * system takes to answer.
 */
@Service
public class LegacyClient {

	/**
	 * Longest delay a caller may ask the simulated system for.
	 */
	public static final long MAX_DELAY_MS = 3_000;

	/**
	 * Looks a record up on the {@code default} Bridge pool. The body is plain synchronous
	 * code: {@code @Blocking} defers the whole invocation to subscription and runs it on a
	 * {@code bridge-default-*} thread, so {@code Mono.just} is evaluated there too, never on
	 * the caller's event loop.
	 * @param id the record id
	 * @param delay how long the legacy system takes
	 * @return the record
	 */
	@Blocking
	public Mono<LegacyRecord> lookup(String id, Duration delay) {
		return Mono.just(lookupNow(id, delay));
	}

	/**
	 * The blocking call itself, on the calling thread.
	 * @param id the record id
	 * @param delay how long the legacy system takes, at most {@value #MAX_DELAY_MS} ms
	 * @return the record
	 * @throws IllegalStateException if the thread is interrupted while waiting (the caller
	 * cancelled)
	 */
	public LegacyRecord lookupNow(String id, Duration delay) {
		if (delay.isNegative() || delay.toMillis() > MAX_DELAY_MS) {
			throw new IllegalArgumentException(
					"delay must be between 0 and " + MAX_DELAY_MS + " ms, was " + delay.toMillis() + " ms");
		}
		try {
			// Stands for a synchronous driver or SDK call: the thread waits, doing nothing.
			Thread.sleep(delay.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Legacy lookup of " + id + " was interrupted (its caller cancelled)", ex);
		}
		return new LegacyRecord(id, "legacy record " + id, delay.toMillis(), Thread.currentThread().getName());
	}

}
