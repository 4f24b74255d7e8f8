package dev.bridge.benchmarks.jmh;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;

/**
 * A bean with a tiny synchronous computation, so that what the benchmarks measure is the cost
 * of moving a call to a pool and back, not the call itself.
 */
public class Work {

	/**
	 * The computation, on the calling thread.
	 * @param x input
	 * @return a mix of its bits
	 */
	public int compute(int x) {
		int mixed = x * 0x9E3779B9;
		return Integer.rotateLeft(mixed, 7) ^ x;
	}

	/**
	 * The same computation through {@code @Blocking}: deferred to subscription, run on the
	 * {@code default} pool.
	 * @param x input
	 * @return a mix of its bits
	 */
	@Blocking
	public Mono<Integer> computeBlocking(int x) {
		return Mono.just(compute(x));
	}

}
