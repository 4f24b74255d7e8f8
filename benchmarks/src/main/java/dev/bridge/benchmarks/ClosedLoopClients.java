package dev.bridge.benchmarks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * {@code N} clients, each sending its next request as soon as the previous one is answered:
 * the load of a phase. Uses the JDK's HTTP client, whose threads are its own, so that the
 * load never runs on the demo server's event loops (Reactor Netty's client would share them
 * in this JVM).
 */
public final class ClosedLoopClients implements AutoCloseable {

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(REQUEST_TIMEOUT)
		.build();

	private final LatencyRecorder recorder = new LatencyRecorder();

	private final List<Thread> threads = new ArrayList<>();

	private final AtomicLong sequence = new AtomicLong();

	private final AtomicLong answers = new AtomicLong();

	private volatile boolean running = true;

	private volatile long measureFrom = Long.MAX_VALUE;

	private volatile long measureTo = Long.MAX_VALUE;

	/**
	 * Starts the clients.
	 * @param name thread name prefix
	 * @param clients how many
	 * @param target the URI of the {@code n}-th request
	 */
	public ClosedLoopClients(String name, int clients, LongFunction<URI> target) {
		this(clients, target, (task) -> {
			Thread thread = new Thread(task);
			thread.setDaemon(true);
			return thread;
		}, name);
	}

	/**
	 * Starts the clients on threads of the given factory, for example virtual threads when
	 * thousands of clients would cost as many platform threads.
	 * @param clients how many
	 * @param target the URI of the {@code n}-th request
	 * @param threadFactory makes one thread per client
	 * @param name thread name prefix
	 */
	public ClosedLoopClients(int clients, LongFunction<URI> target, ThreadFactory threadFactory, String name) {
		for (int i = 0; i < clients; i++) {
			Thread thread = threadFactory.newThread(() -> loop(target));
			thread.setName(name + "-" + i);
			this.threads.add(thread);
		}
		this.threads.forEach(Thread::start);
	}

	private void loop(LongFunction<URI> target) {
		while (this.running) {
			HttpRequest request = HttpRequest.newBuilder(target.apply(this.sequence.getAndIncrement()))
				.timeout(REQUEST_TIMEOUT)
				.GET()
				.build();
			long start = System.nanoTime();
			String failure;
			try {
				int status = this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
				failure = (status == 200) ? null : "HTTP " + status;
			}
			catch (IOException ex) {
				failure = ex.getClass().getSimpleName();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			long end = System.nanoTime();
			this.answers.incrementAndGet();
			// Counted by completion time, so throughput is answers per second inside the window.
			if (end >= this.measureFrom && end < this.measureTo) {
				if (failure == null) {
					this.recorder.record(end - start);
				}
				else {
					this.recorder.error(failure);
				}
			}
		}
	}

	/**
	 * Calls answered (or failed) since the clients started, inside the window or not: tells
	 * whether thousands of clients have all connected before a window opens.
	 * @return the count
	 */
	public long answers() {
		return this.answers.get();
	}

	/**
	 * Opens the measurement window: only answers from now on count.
	 */
	public void startMeasuring() {
		this.recorder.reset();
		this.measureFrom = System.nanoTime();
	}

	/**
	 * Closes the measurement window.
	 * @return what was answered inside it
	 */
	public LatencyRecorder.Summary stopMeasuring() {
		this.measureTo = System.nanoTime();
		return this.recorder.summary();
	}

	/**
	 * Stops the clients once their current request is answered, and waits for them.
	 */
	@Override
	public void close() {
		this.running = false;
		for (Thread thread : this.threads) {
			try {
				thread.join(REQUEST_TIMEOUT.toMillis() + 5_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

}
