package dev.bridge;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package structure: the public API in {@code dev.bridge} over internal mechanism
 * packages that never use it, integration packages that may use both, and the
 * auto-configuration on top, which nothing uses.
 */
class ArchitectureTests {

	/**
	 * Mechanism packages: they know neither the public API nor Spring's integrations. Internal:
	 * applications (the demo) use none of them.
	 */
	static final String[] INTERNAL = { "dev.bridge.pool..", "dev.bridge.eventloop..", "dev.bridge.context..",
			"dev.bridge.settings..", "dev.bridge.offload..", "dev.bridge.observation.." };

	/** Packages that plug the mechanisms into Spring, Reactor and Micrometer. */
	static final String[] INTEGRATION = { "dev.bridge.aspect..", "dev.bridge.web..", "dev.bridge.security..",
			"dev.bridge.metrics..", "dev.bridge.actuate.." };

	static final JavaClasses CLASSES = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.bridge");

	@Test
	void noPackageDependsOnItselfThroughOthersTheRootPackageIncluded() {
		slices().assignedFrom(PACKAGES).should().beFreeOfCycles().check(CLASSES);
	}

	@Test
	void internalPackagesUseNeitherThePublicApiNorTheIntegrations() {
		noClasses().that()
			.resideInAnyPackage(INTERNAL)
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage(concat("dev.bridge", INTEGRATION, "dev.bridge.autoconfigure.."))
			.check(CLASSES);
	}

	@Test
	void thePublicApiUsesNoIntegration() {
		noClasses().that()
			.resideInAPackage("dev.bridge")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage(concat("dev.bridge.autoconfigure..", INTEGRATION))
			.check(CLASSES);
	}

	@Test
	void onlyTheApiAndTheIntegrationsThatMoveCallsUseTheOffloadPipeline() {
		noClasses().that()
			.resideOutsideOfPackages("dev.bridge", "dev.bridge.offload..", "dev.bridge.aspect..", "dev.bridge.web..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.bridge.offload..")
			.check(CLASSES);
	}

	@Test
	void everyPackageBelongsToALayer() {
		Set<String> layered = new TreeSet<>();
		Stream.of(INTERNAL, INTEGRATION)
			.flatMap(Arrays::stream)
			.map((pattern) -> pattern.substring(0, pattern.length() - 2))
			.forEach(layered::add);
		layered.add("dev.bridge");
		layered.add("dev.bridge.autoconfigure");
		assertThat(CLASSES.stream().map((type) -> topPackage(type.getPackageName())).distinct())
			.allSatisfy((name) -> assertThat(layered).as("layers").contains(name));
	}

	@Test
	void thePoolPackageShowsOnlyThePoolItsSettingsAndTheHandOverToOtherPackages() {
		// Its queue, threads, tasks and scheduler are plumbing: other packages hand work over
		// through PoolAccess, with plain functions, never by implementing a pool type.
		assertThat(publicTopLevelTypesOf("dev.bridge.pool")).containsExactlyInAnyOrder("BlockingPool",
				"PoolSettings", "PoolFailures", "PoolTaskListener", "PoolAccess");
	}

	@Test
	void blockingBridgeOffersOnlyWhatApplicationsCall() {
		Set<String> methods = Arrays.stream(BlockingBridge.class.getDeclaredMethods())
			.filter((method) -> Modifier.isPublic(method.getModifiers()))
			.map(Method::getName)
			.collect(Collectors.toCollection(TreeSet::new));
		assertThat(methods).containsExactlyInAnyOrder("builder", "spawn", "spawnBatched", "blockOn", "scheduler", "pool",
				"hasPool", "pools", "getAwaitTermination", "start", "stop", "isRunning", "isPauseable", "getPhase",
				"close", "isClosed");
	}

	@Test
	void nothingDependsOnTheAutoConfiguration() {
		noClasses().that()
			.resideOutsideOfPackage("dev.bridge.autoconfigure..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.bridge.autoconfigure..")
			.check(CLASSES);
	}

	private static String[] concat(String first, String[] middle, String... rest) {
		String[] all = new String[1 + middle.length + rest.length];
		all[0] = first;
		System.arraycopy(middle, 0, all, 1, middle.length);
		System.arraycopy(rest, 0, all, 1 + middle.length, rest.length);
		return all;
	}

	private static Set<String> publicTopLevelTypesOf(String name) {
		return CLASSES.getPackage(name)
			.getClasses()
			.stream()
			.filter((type) -> type.isTopLevelClass() && type.getModifiers().contains(JavaModifier.PUBLIC))
			.map(JavaClass::getSimpleName)
			.collect(Collectors.toCollection(TreeSet::new));
	}

	private static String topPackage(String name) {
		if (!name.startsWith("dev.bridge.")) {
			return name;
		}
		String rest = name.substring("dev.bridge.".length());
		int dot = rest.indexOf('.');
		return "dev.bridge." + ((dot < 0) ? rest : rest.substring(0, dot));
	}

	/** One slice per package directly under {@code dev.bridge}, and the root package as its own. */
	private static final SliceAssignment PACKAGES = new SliceAssignment() {

		@Override
		public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
			String name = javaClass.getPackageName();
			if (name.equals("dev.bridge") || name.startsWith("dev.bridge.")) {
				return SliceIdentifier.of(topPackage(name));
			}
			return SliceIdentifier.ignore();
		}

		@Override
		public String getDescription() {
			return "packages of dev.bridge, the root package included";
		}

	};

}
