package dev.bridge.eventloop;

import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Evidence about one loop while its probe is late: samples of the loop thread's state,
 * stack and CPU time, and the machine's load, from which {@link #decide} tells why the loop
 * did not run.
 * <p>
 * The rules, in order:
 * <ol>
 * <li>{@code blocked}: the latest sample waits (sleep, lock, park, or a native call such as
 * a socket read that is not the loop's own idle wait) in at least half of the samples, and
 * the loop used little CPU;</li>
 * <li>{@code busy}: the loop used at least half of the CPU share it could get (half a core
 * on an idle machine, less when more threads want a CPU than there are cores), its latest
 * sample runs code, and the code it ran since its last probe took most of the
 * threshold of CPU time (four fifths): less than that would not have stalled a loop that had a
 * core. On
 * an overloaded machine that amount can take a while to show, so the decision waits for it
 * (up to {@value #MAX_WAIT_THRESHOLDS} thresholds);</li>
 * <li>{@code starved}: everything else: the loop was idle or runnable but got no CPU.</li>
 * </ol>
 */
final class StallEvidence {

	/**
	 * Native methods that wait for the kernel (I/O, name lookups, thread creation): a loop
	 * found in one of them is blocked. Any other native method (such as {@code unpark} or a
	 * codec) runs code, and only CPU time tells busy from starved there.
	 */
	static final Set<String> BLOCKING_NATIVES = Set.of("socketRead0", "socketWrite0", "read0", "write0", "readv0",
			"writev0", "pread0", "pwrite0", "poll", "poll0", "accept0", "connect0", "readBytes", "writeBytes",
			"read", "write", "open0", "force0", "transferTo0", "lookupAllHostAddr", "getHostByAddr", "start0",
			"sleep", "sleep0", "sleepNanos0", "wait", "wait0", "park");

	/** Most samples kept per episode. */
	static final int MAX_SAMPLES = 8;

	/** Thresholds after which an undecided episode is called starved. */
	static final int MAX_WAIT_THRESHOLDS = 10;

	private final long baselineCpuNanos;

	private final long baselineWallNanos;

	private final List<Sample> samples = new ArrayList<>();

	private long firstProcessCpu = -1;

	private long lastProcessCpu = -1;

	private int maxRunnable = -1;

	private double cpuLoad = -1;

	/**
	 * Evidence that starts from the loop's CPU time when it last ran a probe.
	 * @param baselineCpuNanos the loop's CPU time at its last probe, negative when unknown
	 * @param baselineWallNanos {@link System#nanoTime()} at that probe
	 */
	StallEvidence(long baselineCpuNanos, long baselineWallNanos) {
		this.baselineCpuNanos = baselineCpuNanos;
		this.baselineWallNanos = baselineWallNanos;
	}

	int samples() {
		return this.samples.size();
	}

	/**
	 * Takes one sample of the loop thread and of the machine.
	 * @param threads the JVM's thread bean
	 * @param threadId the loop thread's id
	 * @param machine the machine's figures
	 */
	void sample(ThreadMXBean threads, long threadId, MachineLoad machine) {
		long cpu = threads.isThreadCpuTimeEnabled() ? threads.getThreadCpuTime(threadId) : -1;
		ThreadInfo info = threads.getThreadInfo(threadId, Integer.MAX_VALUE);
		long wall = System.nanoTime();
		if (info == null) {
			return;
		}
		if (this.samples.size() == MAX_SAMPLES) {
			this.samples.remove(1);
		}
		this.samples.add(new Sample(wall, cpu, info.getThreadState(), info.getStackTrace()));
		long processCpu = machine.processCpuNanos();
		if (this.firstProcessCpu < 0) {
			this.firstProcessCpu = processCpu;
			machine.cpuLoad(); // starts the window of the next call
		}
		else {
			double load = machine.cpuLoad();
			if (load >= 0) {
				this.cpuLoad = load;
			}
		}
		this.lastProcessCpu = processCpu;
		this.maxRunnable = Math.max(this.maxRunnable, machine.runnable());
	}

	@Nullable Sample latest() {
		return this.samples.isEmpty() ? null : this.samples.get(this.samples.size() - 1);
	}

	/**
	 * Why the loop did not run its probe.
	 * @param cores cores available to the JVM
	 * @param minBusyCpuNanos CPU time the loop must have used since its last probe to be
	 * called busy
	 * @param last whether this is the last chance: an episode that looks busy without enough
	 * CPU time is then starved
	 * @return the verdict, {@code null} without any sample or while it is too early to tell
	 */
	@Nullable Verdict decide(int cores, long minBusyCpuNanos, boolean last) {
		Sample latest = latest();
		if (latest == null) {
			return null;
		}
		double cpuShare = cpuShare();
		double fairShare = fairShare(cores);
		double busyShare = Math.max(0.05, 0.5 * fairShare);
		int waiting = 0;
		int idle = 0;
		for (Sample sample : this.samples) {
			SampleKind kind = sample.kind();
			if (kind == SampleKind.WAITING || kind == SampleKind.NATIVE) {
				waiting++;
			}
			else if (kind == SampleKind.IDLE) {
				idle++;
			}
		}
		SampleKind latestKind = latest.kind();
		boolean latestWaits = latestKind == SampleKind.WAITING || latestKind == SampleKind.NATIVE;
		StallCause cause;
		if (latestWaits && waiting * 2 >= this.samples.size() && (cpuShare < busyShare || latestKind == SampleKind.WAITING)) {
			cause = StallCause.BLOCKED;
		}
		else if (cpuShare >= busyShare && latestKind != SampleKind.IDLE) {
			long used = cpuSinceProbe();
			if (used < 0 || used >= minBusyCpuNanos) {
				cause = StallCause.BUSY;
			}
			else if (!last) {
				return null;
			}
			else {
				cause = StallCause.STARVED;
			}
		}
		else {
			cause = StallCause.STARVED;
		}
		List<StackTraceElement> culprit = switch (cause) {
			case BLOCKED -> blockedCulprit(latest.stack());
			case BUSY -> commonFrames();
			default -> List.of();
		};
		String evidence = evidence(cpuShare, cores, idle);
		return new Verdict(cause, latest.stack(), culprit, evidence, idle == this.samples.size(), this.cpuLoad,
				this.maxRunnable, cores);
	}

	/**
	 * Share of one core the loop used during the episode: between the first and the latest
	 * sample when they are far enough apart, else since its last probe.
	 */
	double cpuShare() {
		Sample first = this.samples.get(0);
		Sample latest = this.samples.get(this.samples.size() - 1);
		long wall = latest.wallNanos() - first.wallNanos();
		if (this.samples.size() >= 2 && wall >= 10_000_000 && first.cpuNanos() >= 0 && latest.cpuNanos() >= 0) {
			return (double) (latest.cpuNanos() - first.cpuNanos()) / wall;
		}
		wall = latest.wallNanos() - this.baselineWallNanos;
		if (this.baselineCpuNanos < 0 || latest.cpuNanos() < 0 || wall <= 0) {
			return 0;
		}
		return (double) Math.max(0, latest.cpuNanos() - this.baselineCpuNanos) / wall;
	}

	/**
	 * CPU time the loop used since it last ran a probe.
	 * @return nanoseconds, negative when unknown
	 */
	long cpuSinceProbe() {
		Sample latest = latest();
		if (latest == null || latest.cpuNanos() < 0 || this.baselineCpuNanos < 0) {
			return -1;
		}
		return Math.max(0, latest.cpuNanos() - this.baselineCpuNanos);
	}

	/**
	 * Share of a core a thread that wants one can expect: 1 while there are at least as
	 * many cores as runnable threads, less when more threads want a CPU.
	 */
	private double fairShare(int cores) {
		if (this.maxRunnable >= 0) {
			return Math.min(1.0, (double) cores / Math.max(1, this.maxRunnable));
		}
		return (this.cpuLoad >= 0.9) ? 0.5 : 1.0;
	}

	private double processShare(int cores) {
		Sample first = this.samples.get(0);
		Sample latest = this.samples.get(this.samples.size() - 1);
		long wall = latest.wallNanos() - first.wallNanos();
		if (this.firstProcessCpu < 0 || this.lastProcessCpu < 0 || wall <= 0) {
			return -1;
		}
		return (double) (this.lastProcessCpu - this.firstProcessCpu) / wall / cores;
	}

	private String evidence(double cpuShare, int cores, int idle) {
		StringBuilder text = new StringBuilder();
		text.append("loop CPU ").append(percent(cpuShare)).append(" of a core");
		long used = cpuSinceProbe();
		if (used >= 0) {
			text.append(" (").append(EventLoopReports.millis(used)).append(" since its last probe)");
		}
		text.append(", states ");
		Set<String> states = new LinkedHashSet<>();
		for (Sample sample : this.samples) {
			states.add(sample.kind().describe(sample.state()));
		}
		text.append(String.join("/", states));
		text.append(" in ").append(this.samples.size()).append(this.samples.size() == 1 ? " sample" : " samples");
		if (idle > 0) {
			text.append(" (").append(idle).append(" idle)");
		}
		if (this.cpuLoad >= 0) {
			text.append(", machine CPU load ").append(percent(this.cpuLoad));
		}
		double process = processShare(cores);
		if (process >= 0) {
			text.append(", process CPU ").append(percent(process)).append(" of ").append(cores).append(" cores");
		}
		if (this.maxRunnable >= 0) {
			text.append(", ").append(this.maxRunnable).append(" runnable threads on ").append(cores).append(" cores");
		}
		return text.toString();
	}

	static String percent(double share) {
		return String.format(Locale.ROOT, "%.0f %%", share * 100);
	}

	private static List<StackTraceElement> blockedCulprit(StackTraceElement[] stack) {
		List<StackTraceElement> application = StackFrames.applicationFrames(stack);
		if (!application.isEmpty()) {
			return application;
		}
		return List.of(stack).subList(0, Math.min(5, stack.length));
	}

	/**
	 * The frames seen in every sample, innermost first: the application's when there are
	 * any, else the innermost five.
	 */
	private List<StackTraceElement> commonFrames() {
		Sample latest = this.samples.get(this.samples.size() - 1);
		List<StackTraceElement> common = new ArrayList<>();
		for (StackTraceElement frame : latest.stack()) {
			boolean inAll = true;
			for (Sample sample : this.samples) {
				if (sample != latest && !containsMethod(sample.stack(), frame)) {
					inAll = false;
					break;
				}
			}
			if (inAll) {
				common.add(frame);
			}
		}
		List<StackTraceElement> application = new ArrayList<>();
		for (StackTraceElement frame : common) {
			if (StackFrames.isApplication(frame)) {
				application.add(frame);
			}
		}
		if (!application.isEmpty()) {
			return application;
		}
		return common.subList(0, Math.min(5, common.size()));
	}

	private static boolean containsMethod(StackTraceElement[] stack, StackTraceElement frame) {
		for (StackTraceElement element : stack) {
			if (StackFrames.sameMethod(element, frame)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * What one sample shows.
	 */
	enum SampleKind {

		/** The loop waits for work. */
		IDLE,

		/** The loop waits in code: sleep, lock, park. */
		WAITING,

		/** The loop is in a native method that is not its idle wait: I/O, or native code. */
		NATIVE,

		/** The loop runs (or wants to run) Java code. */
		RUNNING;

		String describe(Thread.State state) {
			return switch (this) {
				case IDLE -> "idle";
				case NATIVE -> "RUNNABLE (native)";
				default -> state.name();
			};
		}

	}

	/**
	 * One sample of the loop thread.
	 */
	record Sample(long wallNanos, long cpuNanos, Thread.State state, StackTraceElement[] stack) {

		SampleKind kind() {
			if (StackFrames.isIdle(this.stack)) {
				return SampleKind.IDLE;
			}
			if (this.state == Thread.State.BLOCKED || this.state == Thread.State.WAITING
					|| this.state == Thread.State.TIMED_WAITING) {
				return SampleKind.WAITING;
			}
			if (this.stack.length > 0 && this.stack[0].isNativeMethod()
					&& BLOCKING_NATIVES.contains(this.stack[0].getMethodName())) {
				return SampleKind.NATIVE;
			}
			return SampleKind.RUNNING;
		}

	}

	/**
	 * Why a loop did not run, and what shows it.
	 *
	 * @param cause the cause
	 * @param stack the latest sample of the loop's stack
	 * @param culprit the frames to blame, empty when no code is blamed
	 * @param evidence the figures, for people
	 * @param idle whether every sample showed the loop waiting for work
	 * @param cpuLoad machine CPU load, negative when unknown
	 * @param runnable threads wanting a CPU, negative when unknown
	 * @param cores cores available to the JVM
	 */
	record Verdict(StallCause cause, StackTraceElement[] stack, List<StackTraceElement> culprit, String evidence,
			boolean idle, double cpuLoad, int runnable, int cores) {
	}

}
