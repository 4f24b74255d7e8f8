package dev.bridge.eventloop;

import java.nio.channels.Selector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
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

	private final MultiThreadIoEventLoopGroup netty = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

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
		EventLoop otherNettyLoop = this.netty.next();
		String nettyThread = nettyThread(nettyLoop);
		assertThat(nettyThread(otherNettyLoop)).isNotEqualTo(nettyThread);
		EventLoopReports reports = new EventLoopReports();
		// two Netty loops, so that the watchdog reads their CPU time in one call
		EventLoopWatchdog watchdog = new EventLoopWatchdog(Duration.ofMillis(10), Duration.ofMillis(100),
				Duration.ZERO, List.of(TestLoops.source("netty", nettyLoop, otherNettyLoop),
						TestLoops.source("plain", this.plain)),
				reports);
		Map<String, AtomicLong> probes = new ConcurrentHashMap<>();
		watchdog.onProbeDelay((group, delay) -> probes.computeIfAbsent(group, (key) -> new AtomicLong()).incrementAndGet());
		watchdog.start();
		try {
			// the Netty loops wait in epoll_wait, the plain worker on its queue: once the watchdog
			// has seen them wait there, 60 rounds (600 ms) go by with a probe every two seconds at most
			await().atMost(Duration.ofSeconds(60))
				.until(() -> probesDuring(watchdog, probes, "netty", 60) <= 2 && probesDuring(watchdog, probes, "plain", 60) <= 2);

			// a task that waits in a selector of its own, or on a queue of its own, is no idle
			// wait: both are caught within the 300 ms they block, far below the two-second probe
			nettyLoop.execute(() -> selectFor(300));
			this.plain.execute(() -> pollFor(300));
			await().atMost(Duration.ofSeconds(30)).until(() -> stalled(reports, nettyThread) && stalled(reports, "plain-loop"));
			assertThat(reports.recentStalls()).filteredOn((report) -> "plain-loop".equals(report.thread()))
				.first()
				.satisfies((report) -> {
					assertThat(report.cause()).isEqualTo(StallCause.BLOCKED);
					assertThat(report.stack()).anyMatch((frame) -> frame.contains("IdleLoopTests.pollFor"));
				});
			assertThat(reports.recentStalls()).filteredOn((report) -> nettyThread.equals(report.thread()))
				.first()
				.satisfies((report) -> assertThat(report.stack()).anyMatch((frame) -> frame.contains("IdleLoopTests.selectFor")));
		}
		finally {
			this.release.countDown();
			watchdog.stop();
		}
	}

	/**
	 * Probes of one group while the next {@code rounds} rounds go by.
	 */
	private static long probesDuring(EventLoopWatchdog watchdog, Map<String, AtomicLong> probes, String group, int rounds) {
		long start = watchdog.rounds();
		long before = count(probes, group);
		await().atMost(Duration.ofSeconds(30)).until(() -> watchdog.rounds() >= start + rounds);
		return count(probes, group) - before;
	}

	private static boolean stalled(EventLoopReports reports, String thread) {
		return reports.recentStalls().stream().anyMatch((report) -> thread.equals(report.thread()));
	}

	private static void selectFor(long millis) {
		try (Selector selector = Selector.open()) {
			selector.select(millis);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void pollFor(long millis) {
		try {
			new LinkedBlockingQueue<String>().poll(millis, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
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
