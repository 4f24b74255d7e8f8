package dev.bridge.eventloop;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Figures of the machine and the JVM that tell a starved loop from a blocked or busy one:
 * the CPU load, the threads that want a CPU against the cores, the process's CPU time and
 * the time spent in garbage-collection pauses. Read by the watchdog only during an episode
 * (and the GC time once a round), never on a loop.
 */
class MachineLoad {

	private static final Path LOADAVG = Path.of("/proc/loadavg");

	private final int cores = Runtime.getRuntime().availableProcessors();

	private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();

	private final List<GarbageCollectorMXBean> pauseCollectors = ManagementFactory.getGarbageCollectorMXBeans()
		.stream()
		// concurrent cycles (G1 Concurrent GC, ZGC Cycles) do not stop the application
		.filter((bean) -> !bean.getName().contains("Concurrent") && !bean.getName().contains("Cycles"))
		.toList();

	private boolean loadavgReadable = Files.isReadable(LOADAVG);

	/**
	 * Cores available to the JVM (the container's CPU limit when there is one).
	 * @return the cores
	 */
	int cores() {
		return this.cores;
	}

	/**
	 * CPU load of the whole machine (or container) since the previous call, 0 to 1.
	 * @return the load, negative when unknown
	 */
	double cpuLoad() {
		if (this.os instanceof com.sun.management.OperatingSystemMXBean sun) {
			return sun.getCpuLoad();
		}
		return -1;
	}

	/**
	 * CPU time of this process.
	 * @return nanoseconds, negative when unknown
	 */
	long processCpuNanos() {
		if (this.os instanceof com.sun.management.OperatingSystemMXBean sun) {
			return sun.getProcessCpuTime();
		}
		return -1;
	}

	/**
	 * Threads of the whole machine that run or wait for a CPU right now, the caller left
	 * out (Linux {@code /proc/loadavg}).
	 * @return the count, negative when unknown
	 */
	int runnable() {
		if (!this.loadavgReadable) {
			return -1;
		}
		try {
			String line = Files.readString(LOADAVG, StandardCharsets.US_ASCII);
			String[] fields = line.trim().split("\\s+");
			int slash = fields[3].indexOf('/');
			return Math.max(0, Integer.parseInt(fields[3].substring(0, slash)) - 1);
		}
		catch (IOException | RuntimeException ex) {
			this.loadavgReadable = false;
			return -1;
		}
	}

	/**
	 * Time spent in garbage-collection pauses since the JVM started.
	 * @return milliseconds
	 */
	long gcPauseMillis() {
		long total = 0;
		for (GarbageCollectorMXBean bean : this.pauseCollectors) {
			total += Math.max(0, bean.getCollectionTime());
		}
		return total;
	}

}
