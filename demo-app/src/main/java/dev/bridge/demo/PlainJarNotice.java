package dev.bridge.demo;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * {@code Main-Class} of the plain {@code demo-app-<version>.jar}: that jar holds the demo's
 * classes without their dependencies (the benchmarks build on it), so instead of failing
 * with "no main manifest attribute" or a missing Spring class, it names the runnable jar.
 */
public final class PlainJarNotice {

	/**
	 * Exit status: wrong jar ({@code EX_USAGE} of sysexits.h).
	 */
	public static final int EXIT_WRONG_JAR = 64;

	private PlainJarNotice() {
	}

	public static void main(String[] args) {
		System.err.println(message(location()));
		System.exit(EXIT_WRONG_JAR);
	}

	/**
	 * What to print when started from a jar.
	 * @param jar the jar this class was loaded from
	 * @return one line naming the runnable jar beside it
	 */
	static String message(Path jar) {
		String name = jar.getFileName().toString();
		Path exec = jar.resolveSibling(name.endsWith(".jar") ? name.substring(0, name.length() - 4) + "-exec.jar"
				: "demo-app-<version>-exec.jar");
		return name + " holds the demo's classes without their dependencies and does not run on its own; "
				+ "start the demo with: java -jar " + exec;
	}

	private static Path location() {
		try {
			return Path.of(PlainJarNotice.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		}
		catch (URISyntaxException | RuntimeException ex) {
			return Path.of("demo-app-<version>.jar");
		}
	}

}
