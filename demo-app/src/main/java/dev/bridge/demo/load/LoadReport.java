package dev.bridge.demo.load;

/**
 * What a load did.
 *
 * @param mode {@code bridged} or {@code naive}
 * @param route the route called, with a placeholder for the id
 * @param requests calls made
 * @param concurrency calls in flight at once
 * @param succeeded calls answered 2xx
 * @param failed calls that failed or were answered otherwise
 * @param elapsedMillis how long the load took
 * @param pings {@code /api/ping} calls made meanwhile, each on a new connection
 * @param pingMedianMillis their median latency
 * @param pingMaxMillis their largest latency: a ping that landed on a blocked event loop
 * waited for it
 */
public record LoadReport(String mode, String route, int requests, int concurrency, int succeeded, int failed,
		long elapsedMillis, int pings, double pingMedianMillis, double pingMaxMillis) {
}
