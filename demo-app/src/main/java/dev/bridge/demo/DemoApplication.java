package dev.bridge.demo;

import java.nio.file.Path;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

import dev.bridge.demo.config.DemoConfig;
import dev.bridge.demo.config.DemoConfigException;
import dev.bridge.demo.config.DemoProperties;

/**
 * The Bridge demo: a WebFlux application whose blocking work runs on Bridge pools.
 * <p>
 * {@link #main} is the synchronous edge: it reads {@code demo.properties} with plain blocking
 * file I/O before any event loop exists (the file named by {@code --demo.config}, else the one
 * in the working directory, else the default built into the demo), refuses to start on a
 * missing or bad file, and only then starts Spring.
 */
@SpringBootApplication
@EnableConfigurationProperties(DemoProperties.class)
public class DemoApplication {

	/**
	 * Exit status for a missing or bad config file ({@code EX_CONFIG} of sysexits.h).
	 */
	public static final int EXIT_BAD_CONFIG = 78;

	private static final Log logger = LogFactory.getLog(DemoApplication.class);

	public static void main(String[] args) {
		// Before any java.awt class loads: the thumbnail routes draw without a display.
		System.setProperty("java.awt.headless", "true");
		DemoConfig config;
		try {
			config = DemoConfig.read(args, System.getenv(), Path.of(""));
		}
		catch (DemoConfigException ex) {
			// One line, no stack trace: the message names the file, the key and the fix.
			System.err.println(ex.getMessage());
			System.exit(EXIT_BAD_CONFIG);
			return;
		}
		application(config).run(args);
	}

	/**
	 * The Spring application, with the config file's settings as properties.
	 * @param config the settings read in {@code main}
	 * @return the application, not started
	 */
	public static SpringApplication application(DemoConfig config) {
		SpringApplication application = new SpringApplication(DemoApplication.class);
		// Lowest precedence, so that --demo.upstream.base-url=... or an environment variable
		// still overrides the file for one run.
		application.setDefaultProperties(config.toProperties());
		// Logged once Spring has set logging up, so that the line looks like the ones around it.
		application.addInitializers((context) -> logger.info("Demo config read from " + config.describeSource()));
		return application;
	}

}
