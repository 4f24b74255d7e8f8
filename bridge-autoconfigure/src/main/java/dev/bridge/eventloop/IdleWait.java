package dev.bridge.eventloop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Tells, without waking it, whether a loop thread is waiting for I/O events right now (Linux
 * only): its current system call, from {@code /proc/self/task/<tid>/syscall}, is one of the
 * calls with which a selector or an I/O ring waits ({@code epoll_wait}, {@code epoll_pwait},
 * {@code epoll_pwait2}, {@code io_uring_enter}).
 * <p>
 * A loop that waits there runs no task, so it cannot be stalled; the watchdog then spares it
 * a probe, which would only wake it. Idle loops are the common case of a quiet server, and
 * waking each loop twenty times a second is most of what the watchdog would cost there. A
 * task that blocks does so in another call (sleep, futex, read, poll), and a loop that runs
 * code is in none: both are probed as before. The file is read with one {@code pread} of a
 * channel kept open, and only by the watchdog thread.
 */
final class IdleWait implements AutoCloseable {

	private static final Path THREAD_SELF = Path.of("/proc/thread-self");

	private static final Set<Integer> WAIT_CALLS = waitCalls(System.getProperty("os.arch", ""));

	private final FileChannel file;

	private final ByteBuffer buffer = ByteBuffer.allocate(128);

	private IdleWait(FileChannel file) {
		this.file = file;
	}

	/**
	 * Whether this platform tells idle threads apart.
	 * @return {@code true} on Linux on x86-64 and AArch64
	 */
	static boolean supported() {
		return !WAIT_CALLS.isEmpty() && Files.isReadable(THREAD_SELF);
	}

	/**
	 * The calling thread's task directory, read on the thread itself once.
	 * @return for example {@code "task/4711"}, {@code null} where unsupported
	 */
	static @Nullable String currentTask() {
		if (WAIT_CALLS.isEmpty()) {
			return null;
		}
		try {
			String link = Files.readSymbolicLink(THREAD_SELF).toString();
			int task = link.indexOf("task/");
			return (task >= 0) ? link.substring(task) : null;
		}
		catch (IOException | UnsupportedOperationException | SecurityException ex) {
			return null;
		}
	}

	/**
	 * Opens the system-call file of a thread of this process.
	 * @param task the thread's task directory from {@link #currentTask()}
	 * @return the check, {@code null} when the file cannot be read
	 */
	static @Nullable IdleWait open(String task) {
		try {
			FileChannel file = FileChannel.open(Path.of("/proc/self").resolve(task).resolve("syscall"));
			IdleWait check = new IdleWait(file);
			if (check.syscall() == Integer.MIN_VALUE) {
				check.close();
				return null;
			}
			return check;
		}
		catch (IOException | UnsupportedOperationException | SecurityException ex) {
			return null;
		}
	}

	/**
	 * Whether the thread waits for I/O events right now.
	 * @return {@code true} only when it does; {@code false} when unknown
	 */
	boolean isWaiting() {
		return waitingOn() >= 0;
	}

	/**
	 * The file descriptor the thread waits for I/O events on right now (its epoll instance
	 * or ring): a loop's own one tells its idle wait from a task blocked in another selector.
	 * @return the descriptor, -1 when the thread does not wait for I/O events or when unknown
	 */
	long waitingOn() {
		int read = read();
		if (read <= 0) {
			return -1;
		}
		String[] fields = new String(this.buffer.array(), 0, read, StandardCharsets.US_ASCII).trim().split(" ");
		try {
			if (fields.length < 2 || !WAIT_CALLS.contains(Integer.parseInt(fields[0]))) {
				return -1;
			}
			return Long.parseLong(fields[1].startsWith("0x") ? fields[1].substring(2) : fields[1], 16);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
	}

	private int read() {
		try {
			this.buffer.clear();
			return this.file.read(this.buffer, 0);
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	/**
	 * The number of the system call the thread is in: -1 when it runs in user space,
	 * {@link Integer#MIN_VALUE} when the file cannot be read.
	 */
	int syscall() {
		try {
			this.buffer.clear();
			int read = this.file.read(this.buffer, 0);
			if (read <= 0) {
				return Integer.MIN_VALUE;
			}
			int end = 0;
			while (end < read && this.buffer.get(end) != ' ' && this.buffer.get(end) != '\n') {
				end++;
			}
			String first = new String(this.buffer.array(), 0, end, StandardCharsets.US_ASCII);
			return first.equals("running") ? -1 : Integer.parseInt(first);
		}
		catch (IOException | RuntimeException ex) {
			return Integer.MIN_VALUE;
		}
	}

	@Override
	public void close() {
		try {
			this.file.close();
		}
		catch (IOException ex) {
			// nothing to release then
		}
	}

	static Set<Integer> waitCalls(String arch) {
		return switch (arch.toLowerCase(Locale.ROOT)) {
			// epoll_wait, epoll_pwait, epoll_pwait2, io_uring_enter
			case "amd64", "x86_64" -> Set.of(232, 281, 441, 426);
			// AArch64 has no epoll_wait: epoll_pwait, epoll_pwait2, io_uring_enter
			case "aarch64", "arm64" -> Set.of(22, 441, 426);
			default -> Set.of();
		};
	}

}
