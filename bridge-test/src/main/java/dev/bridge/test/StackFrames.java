package dev.bridge.test;

import java.util.List;

/**
 * Reads the frames of a loop's stack ({@link StackTraceElement#toString()} form): which are
 * the application's, and whether the loop was loading classes.
 * <p>
 * The platform is the JDK, Reactor, Netty, Spring, Micrometer, Jackson, JUnit, Mockito (its
 * inline mock maker rewrites classes as they load, on whichever thread loads them) and
 * Bridge itself; every other frame is the application's, libraries it chose included (a
 * JDBC driver called from a handler is the application blocking the loop).
 */
final class StackFrames {

	private static final List<String> PLATFORM_PREFIXES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.",
			"reactor.", "io.netty.", "io.micrometer.", "org.reactivestreams.", "org.springframework.",
			"tools.jackson.", "com.fasterxml.jackson.", "org.aspectj.", "org.junit.", "org.opentest4j.", "kotlin.",
			"kotlinx.", "dev.bridge.aspect.", "dev.bridge.autoconfigure.", "dev.bridge.context.",
			"dev.bridge.eventloop.", "dev.bridge.metrics.", "dev.bridge.offload.", "dev.bridge.pool.",
			"dev.bridge.web.", "dev.bridge.observation.", "dev.bridge.BlockingBridge", "dev.bridge.test.EventLoopStalls",
			"org.mockito.", "net.bytebuddy.");

	/**
	 * Frames of the JVM loading or linking classes: a loop that stalls there is warming up.
	 */
	private static final List<String> CLASS_LOADING_PREFIXES = List.of("java.lang.ClassLoader.defineClass",
			"java.lang.ClassLoader.loadClass", "java.lang.Class.forName", "jdk.internal.loader.",
			"java.lang.invoke.MethodHandleNatives.link", "java.lang.invoke.InnerClassLambdaMetafactory",
			"java.lang.invoke.CallSite.makeSite");

	private StackFrames() {
	}

	/**
	 * Whether a stall with this stack is the application's doing: the stack was read while it
	 * lasted, it holds an application frame, and the loop was not loading or linking classes
	 * for it. A stall over before the watchdog looked (no stack) is not blamed, as the
	 * watchdog does not blame it either.
	 * @param stack the frames, innermost first; empty when unknown
	 * @return {@code true} when the stall blames the code under test
	 */
	static boolean blamesApplication(List<String> stack) {
		List<String> frames = stack.stream().map(StackFrames::withoutModule).toList();
		return StackFrames.firstApplicationFrame(frames) >= 0 && !isLoadingClasses(stack);
	}

	/**
	 * Whether a loop with this stack was loading or linking classes for the code it ran (the
	 * JVM warming up, which never fails a test): a class-loading frame comes before the
	 * first application frame.
	 * @param stack the frames, innermost first; empty when unknown
	 * @return {@code true} when the loop was loading classes
	 */
	static boolean isLoadingClasses(List<String> stack) {
		List<String> frames = stack.stream().map(StackFrames::withoutModule).toList();
		int first = firstApplicationFrame(frames);
		int end = (first >= 0) ? first : frames.size();
		for (int i = 0; i < end; i++) {
			if (isClassLoading(frames.get(i))) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Index of the first frame of application code, -1 when there is none.
	 * @param frames frames without module prefixes, innermost first
	 * @return the index
	 */
	static int firstApplicationFrame(List<String> frames) {
		for (int i = 0; i < frames.size(); i++) {
			if (isApplicationFrame(frames.get(i))) {
				return i;
			}
		}
		return -1;
	}

	static boolean isApplicationFrame(String frame) {
		if (frame.contains("$$SpringCGLIB$$") || frame.startsWith("0x")) {
			return false;
		}
		for (String prefix : PLATFORM_PREFIXES) {
			if (frame.startsWith(prefix)) {
				return false;
			}
		}
		return true;
	}

	private static boolean isClassLoading(String frame) {
		for (String prefix : CLASS_LOADING_PREFIXES) {
			if (frame.startsWith(prefix)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A frame as {@link StackTraceElement#toString()} writes it, without the class loader and
	 * module part ({@code java.base/java.lang.Thread.sleep(...)}).
	 * @param frame the frame
	 * @return the frame from its class name on
	 */
	static String withoutModule(String frame) {
		int paren = frame.indexOf('(');
		int slash = frame.lastIndexOf('/', (paren >= 0) ? paren : frame.length() - 1);
		return (slash >= 0) ? frame.substring(slash + 1) : frame;
	}

}
