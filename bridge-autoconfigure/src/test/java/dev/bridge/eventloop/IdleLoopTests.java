package dev.bridge.eventloop;

import java.nio.channels.Selector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the watchdog sparing idle loops their probes: a Netty loop waiting for I/O events
 * ({@link IdleWait}) and a worker waiting on its queue are not woken each round, while a loop
 * that runs or blocks in a task is probed every round and its stall caught.
 */
class IdleLoopTests {

	private final MultiThreadIoEventLoopGroup netty = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

	private final ExecutorService plain = TestLoops.loopThread("plain-loop");

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void shutDown() throws Exception {
		this.release.countDown();
		this.netty.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
		this.plain.shutdownNow();
	}

	@Test
	void tellsAThreadWaitingInASelectorFromOneBlockedOrRunning() throws Exception {
		assertThat(IdleWait.supported()).as("this build runs on Linux").isTrue();
		AtomicReference<String> selecting = new AtomicReference<>();
		AtomicReference<String> blocked = new AtomicReference<>();
		Selector selector = Selector.open();
		Thread inSelect = daemon(() -> {
			selecting.set(IdleWait.currentTask());
			try {
				selector.select();
			}
			catch (Exception ex) {
				// closed at the end of the test
			}
		});
		Thread onLatch = daemon(() -> {
			blocked.set(IdleWait.currentTask());
			hold(this.release);
		});
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> selecting.get() != null && blocked.get() != null);
			try (IdleWait select = IdleWait.open(selecting.get()); IdleWait latch = IdleWait.open(blocked.get())) {
				assertThat(select).isNotNull();
				assertThat(latch).isNotNull();
				await().atMost(Duration.ofSeconds(10)).until(select::isWaiting);
				await().atMost(Duration.ofSeconds(10)).until(() -> inState(onLatch, Thread.State.TIMED_WAITING));
				// the same check, read again, follows the thread: the latch is a futex, not an I/O wait
				assertThat(latch.isWaiting()).isFalse();
				assertThat(select.isWaiting()).isTrue();
			}
		}
		finally {
			selector.close();
			this.release.countDown();
			inSelect.join(5000);
		}
	}

	@Test
	void idleLoopsAreNotWokenEachRoundWhileBlockedOnesAreCaught() throws Exception {
		EventLoop nettyLoop = this.netty.next();
		EventLoopReports reports = new EventLoopReports();
		EventLoopWatchdog watchdog = new EventLoopWatchdog(Duration.ofMillis(10), Duration.ofMillis(100),
				Duration.ZERO, List.of(TestLoops.source("netty", nettyLoop), TestLoops.source("plain", this.plain)),
				reports);
		Map<String, AtomicLong> probes = new ConcurrentHashMap<>();
		watchdog.onProbeDelay((group, delay) -> probes.computeIfAbsent(group, (key) -> new AtomicLong()).incrementAndGet());
		watchdog.start();
		try {
			// the Netty loop waits in epoll_wait; the plain worker waits on its queue's condition,
			// which the watchdog learns from a few probes that ran at once
			await().atMost(Duration.ofSeconds(10))
				.until(() -> count(probes, "netty") >= 1 && count(probes, "plain") >= 5);
			long rounds = watchdog.rounds();
			long nettyProbes = count(probes, "netty");
			long plainProbes = count(probes, "plain");
			await().atMost(Duration.ofSeconds(30)).until(() -> watchdog.rounds() >= rounds + 60);
			long roundsMeanwhile = watchdog.rounds() - rounds;
			// one probe a second at most (100 rounds of 10 ms), not one a round
			assertThat(count(probes, "netty") - nettyProbes).isLessThanOrEqualTo(roundsMeanwhile / 10 + 2);
			assertThat(count(probes, "plain") - plainProbes).isLessThanOrEqualTo(roundsMeanwhile / 10 + 2);

			// a task that blocks either loop is seen at the next round and caught
			String nettyThread = nettyThread(nettyLoop);
			nettyLoop.execute(() -> hold(this.release));
			this.plain.execute(() -> hold(this.release));
			for (String thread : List.of(nettyThread, "plain-loop")) {
				await().atMost(Duration.ofSeconds(10))
					.until(() -> reports.recentStalls()
						.stream()
						.anyMatch((report) -> thread.equals(report.thread()) && report.cause() == StallCause.BLOCKED
								&& report.stack().stream().anyMatch((frame) -> frame.contains("IdleLoopTests.hold"))));
			}
		}
		finally {
			this.release.countDown();
			watchdog.stop();
		}
	}

	private static String nettyThread(EventLoop loop) throws Exception {
		return loop.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
	}

	private static long count(Map<String, AtomicLong> probes, String group) {
		AtomicLong count = probes.get(group);
		return (count != null) ? count.get() : 0;
	}

	private static boolean inState(Thread thread, Thread.State state) {
		return thread.getState() == state;
	}

	private static void hold(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static Thread daemon(Runnable task) {
		Thread thread = new Thread(task, "idle-wait-test");
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

}
