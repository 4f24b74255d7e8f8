package dev.bridge.benchmarks.scale;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.bridge.Blocking;
import reactor.core.publisher.Mono;

/**
 * The routes under load. Every blocking route sleeps {@code scale.delay}; they differ only in
 * how WebFlux and Bridge decide where the sleep runs.
 */
@RestController
public class ScaleController {

	private final Duration delay;

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicInteger peakInFlight = new AtomicInteger();

	private final AtomicReference<@Nullable Thread> firstHandlerThread = new AtomicReference<>();

	public ScaleController(@Value("${scale.delay:200ms}") Duration delay) {
		this.delay = delay;
	}

	/**
	 * A plain {@code @Blocking} handler: WebFlux runs it on the bridge pool through its
	 * blocking-execution hook.
	 * @return a fixed body
	 * @throws InterruptedException if the call is cancelled while it sleeps
	 */
	@Blocking
	@GetMapping("/blocking")
	public String blocking() throws InterruptedException {
		return sleep();
	}

	/**
	 * The same handler without {@code @Blocking}: with {@code spring.threads.virtual.enabled}
	 * Boot's virtual-thread executor runs it, since its return type is not reactive.
	 * @return a fixed body
	 * @throws InterruptedException if the call is cancelled while it sleeps
	 */
	@GetMapping("/plain")
	public String plain() throws InterruptedException {
		return sleep();
	}

	/**
	 * The naive route: a reactive return type, so WebFlux calls it on the event loop, which
	 * then sleeps.
	 * @return a fixed body
	 * @throws InterruptedException if the thread is interrupted while it sleeps
	 */
	@GetMapping("/naive")
	public Mono<String> naive() throws InterruptedException {
		return Mono.just(sleep());
	}

	/**
	 * A trivial route on the event loop (a reactive return type keeps it there, whatever
	 * executor runs blocking handlers).
	 * @return a fixed body
	 */
	@GetMapping("/ping")
	public Mono<String> ping() {
		return Mono.just("pong");
	}

	private String sleep() throws InterruptedException {
		this.firstHandlerThread.compareAndSet(null, Thread.currentThread());
		int now = this.inFlight.incrementAndGet();
		this.peakInFlight.accumulateAndGet(now, Math::max);
		try {
			Thread.sleep(this.delay.toMillis());
		}
		finally {
			this.inFlight.decrementAndGet();
		}
		return "ok";
	}

	/**
	 * The thread that ran the first blocking call, to check each configuration runs where it
	 * claims to.
	 * @return the thread, or {@code null} before the first call
	 */
	@Nullable Thread firstHandlerThread() {
		return this.firstHandlerThread.get();
	}

	/**
	 * Blocking calls sleeping right now.
	 * @return the count
	 */
	int inFlight() {
		return this.inFlight.get();
	}

	/**
	 * The most blocking calls sleeping at once since the last reset, and resets it.
	 * @return the peak
	 */
	int takePeakInFlight() {
		return this.peakInFlight.getAndSet(this.inFlight.get());
	}

	Duration delay() {
		return this.delay;
	}

}
