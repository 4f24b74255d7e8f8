package dev.bridge.eventloop;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a loop thread's stack as a person would: which frames are the application's (not
 * the JDK's, not a framework's, not Bridge's own), whether the loop is idle waiting for
 * work, and how to print it short.
 */
final class StackFrames {

	/**
	 * Frames printed in a WARN beyond the application's own; the rest are counted.
	 */
	static final int MAX_OTHER_FRAMES = 20;

	private static final String[] FRAMEWORK_PREFIXES = { "java.", "javax.", "jdk.", "sun.", "com.sun.",
			"org.springframework.", "reactor.", "io.netty.", "io.micrometer.", "org.reactivestreams.", "kotlin.",
			"kotlinx.", "org.apache.commons.logging.", "org.slf4j.", "ch.qos.logback.", "org.apache.logging.",
			"org.aspectj.", "io.projectreactor.", "com.fasterxml.jackson.", "tools.jackson.", "org.junit.",
			"org.gradle.", "org.apache.maven.", "dev.bridge.pool.", "dev.bridge.aspect.", "dev.bridge.eventloop.",
			"dev.bridge.web.", "dev.bridge.offload.", "dev.bridge.context.", "dev.bridge.metrics.", "dev.bridge.actuate.",
			"dev.bridge.autoconfigure.", "dev.bridge.internal.", "dev.bridge.test.", "dev.bridge.observation." };

	private static final String[] JDK_PREFIXES = { "java.", "javax.", "jdk.", "sun.", "com.sun." };

	/**
	 * How deep below the top an idle wait is looked for.
	 */
	private static final int IDLE_DEPTH = 12;

	private StackFrames() {
	}

	/**
	 * Whether a frame is the application's: not the JDK's, a framework's or Bridge's own
	 * (Bridge's root package counts as its own, its sub-packages other than those of the
	 * starter's mechanisms, such as {@code dev.bridge.demo}, as application code).
	 * @param frame the frame
	 * @return {@code true} for application code
	 */
	static boolean isApplication(StackTraceElement frame) {
		String className = frame.getClassName();
		for (String prefix : FRAMEWORK_PREFIXES) {
			if (className.startsWith(prefix)) {
				return false;
			}
		}
		if (className.startsWith("dev.bridge.") && className.indexOf('.', "dev.bridge.".length()) < 0) {
			return false;
		}
		return true;
	}

	static boolean isJdk(StackTraceElement frame) {
		String className = frame.getClassName();
		for (String prefix : JDK_PREFIXES) {
			if (className.startsWith(prefix)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether the top of the stack is a loop waiting for work: Netty's selector or epoll,
	 * kqueue or io_uring wait, or a Reactor worker waiting for its next task.
	 * @param stack the stack, innermost first
	 * @return {@code true} when the loop is idle
	 */
	static boolean isIdle(StackTraceElement[] stack) {
		int depth = Math.min(stack.length, IDLE_DEPTH);
		for (int i = 0; i < depth; i++) {
			StackTraceElement frame = stack[i];
			String className = frame.getClassName();
			String method = frame.getMethodName();
			if (className.startsWith("io.netty.")) {
				if (method.startsWith("epollWait") || method.startsWith("epollBusyWait") || method.equals("select")
						|| method.startsWith("kqueueWait") || method.startsWith("ioUringWait")
						|| method.equals("submitAndWait") || method.equals("takeTask") || method.equals("waitForNextIo")) {
					return true;
				}
			}
			else if ((className.equals("java.util.concurrent.ThreadPoolExecutor") && method.equals("getTask"))
					|| (className.equals("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue")
							&& method.equals("take"))) {
				return true;
			}
			else if (isApplication(frame)) {
				return false;
			}
		}
		return false;
	}

	/**
	 * The application's frames, innermost first.
	 * @param stack the stack
	 * @return the application frames, empty when none
	 */
	static List<StackTraceElement> applicationFrames(StackTraceElement[] stack) {
		List<StackTraceElement> frames = new ArrayList<>();
		for (StackTraceElement frame : stack) {
			if (isApplication(frame)) {
				frames.add(frame);
			}
		}
		return frames;
	}

	/**
	 * The class whose static initialiser runs, innermost, if any.
	 * @param stack the stack
	 * @return the class name, or {@code null}
	 */
	static String initialisingClass(StackTraceElement[] stack) {
		for (StackTraceElement frame : stack) {
			if ("<clinit>".equals(frame.getMethodName())) {
				return frame.getClassName();
			}
		}
		return null;
	}

	/**
	 * Prints the application frames and at most {@link #MAX_OTHER_FRAMES} others, in stack
	 * order, counting the rest.
	 * @param message where the frames go, one per line
	 * @param stack the stack
	 */
	static void append(StringBuilder message, List<String> stack, List<Boolean> application) {
		int others = 0;
		int skipped = 0;
		for (int i = 0; i < stack.size(); i++) {
			boolean app = application.get(i);
			if (!app && others >= MAX_OTHER_FRAMES) {
				skipped++;
				continue;
			}
			if (skipped > 0) {
				message.append(System.lineSeparator()).append("\t... ").append(skipped).append(" frames");
				skipped = 0;
			}
			if (!app) {
				others++;
			}
			message.append(System.lineSeparator()).append("\tat ").append(stack.get(i));
		}
		if (skipped > 0) {
			message.append(System.lineSeparator()).append("\t... ").append(skipped).append(" more frames");
		}
	}

	static void append(StringBuilder message, StackTraceElement[] stack) {
		List<String> frames = new ArrayList<>(stack.length);
		List<Boolean> application = new ArrayList<>(stack.length);
		for (StackTraceElement frame : stack) {
			frames.add(format(frame));
			application.add(isApplication(frame));
		}
		append(message, frames, application);
	}

	static List<String> strings(StackTraceElement[] stack) {
		List<String> frames = new ArrayList<>(stack.length);
		for (StackTraceElement frame : stack) {
			frames.add(format(frame));
		}
		return List.copyOf(frames);
	}

	/**
	 * A frame as a person reads it: {@code com.example.Legacy.call(Legacy.java:12)}, without
	 * the class loader and module prefixes of {@link StackTraceElement#toString()}.
	 * @param frame the frame
	 * @return the text
	 */
	static String format(StackTraceElement frame) {
		String location;
		if (frame.isNativeMethod()) {
			location = "Native Method";
		}
		else if (frame.getFileName() == null) {
			location = "Unknown Source";
		}
		else if (frame.getLineNumber() >= 0) {
			location = frame.getFileName() + ":" + frame.getLineNumber();
		}
		else {
			location = frame.getFileName();
		}
		return frame.getClassName() + "." + frame.getMethodName() + "(" + location + ")";
	}

	/**
	 * Whether two frames are the same method, whatever line each is at.
	 */
	static boolean sameMethod(StackTraceElement a, StackTraceElement b) {
		return a.getClassName().equals(b.getClassName()) && a.getMethodName().equals(b.getMethodName());
	}

	static List<String> strings(List<StackTraceElement> stack) {
		return strings(stack.toArray(new StackTraceElement[0]));
	}

}
