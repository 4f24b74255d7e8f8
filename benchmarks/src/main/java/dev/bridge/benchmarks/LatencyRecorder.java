package dev.bridge.benchmarks;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects latency samples and failures from many threads; summarises them as percentiles.
 * Samples are kept whole (a phase has thousands, not millions) so percentiles are exact.
 */
public final class LatencyRecorder {

	private long[] samples = new long[4096];

	private int count;

	private long errors;

	private final Map<String, Long> errorCauses = new TreeMap<>();

	/**
	 * Records one successful call.
	 * @param nanos its latency
	 */
	public synchronized void record(long nanos) {
		if (this.count == this.samples.length) {
			this.samples = Arrays.copyOf(this.samples, this.samples.length * 2);
		}
		this.samples[this.count++] = nanos;
	}

	/**
	 * Records one failed call.
	 * @param cause what went wrong: an HTTP status or an exception type
	 */
	public synchronized void error(String cause) {
		this.errors++;
		this.errorCauses.merge(cause, 1L, Long::sum);
	}

	/**
	 * Failed calls by cause.
	 * @return cause to count
	 */
	public synchronized Map<String, Long> errorCauses() {
		return new TreeMap<>(this.errorCauses);
	}

	/**
	 * Forgets everything recorded so far (end of a warm-up).
	 */
	public synchronized void reset() {
		this.count = 0;
		this.errors = 0;
		this.errorCauses.clear();
	}

	/**
	 * Summarises what was recorded.
	 * @return the summary
	 */
	public synchronized Summary summary() {
		long[] sorted = Arrays.copyOf(this.samples, this.count);
		Arrays.sort(sorted);
		return new Summary(this.count, this.errors, errorCauses(), percentile(sorted, 0.50), percentile(sorted, 0.99),
				(sorted.length > 0) ? sorted[sorted.length - 1] : 0);
	}

	private static long percentile(long[] sorted, double quantile) {
		if (sorted.length == 0) {
			return 0;
		}
		int index = (int) Math.ceil(quantile * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
	}

	/**
	 * Latency percentiles of the successful calls.
	 *
	 * @param count successful calls
	 * @param errors failed calls
	 * @param errorCauses failed calls by cause
	 * @param p50Nanos median latency
	 * @param p99Nanos 99th percentile latency
	 * @param maxNanos largest latency
	 */
	public record Summary(long count, long errors, Map<String, Long> errorCauses, long p50Nanos, long p99Nanos, long maxNanos) {

		/**
		 * Calls per second over a window.
		 * @param seconds the window
		 * @return the rate
		 */
		public double perSecond(double seconds) {
			return this.count / seconds;
		}

	}

}
