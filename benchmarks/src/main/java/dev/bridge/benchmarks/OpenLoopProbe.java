package dev.bridge.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * Sends a request at a fixed rate, whether or not earlier ones were answered, and measures
 * each from the moment it was due. A closed-loop prober stuck behind one blocked event loop
 * would send a single request during the stall and under-report it (coordinated omission);
 * this one keeps sending, so every due request counts the whole wait.
 */
public final class OpenLoopProbe implements AutoCloseable {

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(REQUEST_TIMEOUT)
		.build();

	private final LatencyRecorder recorder = new LatencyRecorder();

	private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "ping-probe");
		thread.setDaemon(true);
		return thread;
	});

	private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();

	private final AtomicLong answeredInWindow = new AtomicLong();

	private final HttpRequest request;

	private final long periodNanos;

	private final long startNanos = System.nanoTime();

	private long ticks;

	private volatile long windowStart = Long.MAX_VALUE;

	private volatile long windowEnd = Long.MAX_VALUE;

	/**
	 * Starts probing.
	 * @param uri what to request
	 * @param ratePerSecond requests per second
	 */
	public OpenLoopProbe(URI uri, int ratePerSecond) {
		this.request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
		this.periodNanos = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
		this.ticker.scheduleAtFixedRate(this::tick, 0, this.periodNanos, TimeUnit.NANOSECONDS);
	}

	private void tick() {
		// Due time from the schedule, not from now: a late tick still counts its lateness.
		long due = this.startNanos + this.ticks++ * this.periodNanos;
		CompletableFuture<HttpResponse<Void>> call = this.http.sendAsync(this.request,
				HttpResponse.BodyHandlers.discarding());
		this.inFlight.add(call);
		call.whenComplete((response, ex) -> {
			answered(due, (ex == null) ? ((response.statusCode() == 200) ? null : "HTTP " + response.statusCode())
					: rootCause(ex).getClass().getSimpleName());
			this.inFlight.remove(call);
		});
	}

	private void answered(long due, @Nullable String failure) {
		long now = System.nanoTime();
		if (due >= this.windowStart && due < this.windowEnd) {
			// A failed ping (timeout, refused connection) still kept its caller waiting until
			// it failed: it counts in the latency too, or a stalled server would look fast.
			this.recorder.record(now - due);
			if (failure != null) {
				this.recorder.error(failure);
			}
		}
		if (failure == null && now >= this.windowStart && now < this.windowEnd) {
			this.answeredInWindow.incrementAndGet();
		}
	}

	private static Throwable rootCause(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root;
	}

	/**
	 * Opens the measurement window: requests due from now on are measured.
	 */
	public void startMeasuring() {
		this.recorder.reset();
		this.answeredInWindow.set(0);
		this.windowStart = System.nanoTime();
	}

	/**
	 * Closes the window, stops sending and waits for the requests still in flight.
	 * @return what was measured, and how many pings were answered inside the window
	 */
	public Result finish() {
		this.windowEnd = System.nanoTime();
		this.ticker.shutdownNow();
		try {
			// Each request has its own timeout, so this ends; failures were recorded already.
			CompletableFuture.allOf(this.inFlight.toArray(CompletableFuture[]::new))
				.exceptionally((ex) -> null)
				.get(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			// Stragglers are left to their own timeouts.
		}
		return new Result(this.recorder.summary(), this.answeredInWindow.get());
	}

	@Override
	public void close() {
		this.ticker.shutdownNow();
	}

	/**
	 * A probe's outcome.
	 *
	 * @param latency latency of the requests due inside the window, failed ones included
	 * (until they failed)
	 * @param answeredInWindow requests answered inside the window, whenever they were due
	 */
	public record Result(LatencyRecorder.Summary latency, long answeredInWindow) {

	}

}
