package dev.bridge;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package structure: the public API in {@code dev.bridge} over internal mechanism
 * packages that never use it, integration packages that may use both, and the
 * auto-configuration on top, which nothing uses.
 */
class ArchitectureTests {

	/** Mechanism packages: they know neither the public API nor Spring's integrations. */
	static final String[] INTERNAL = { "dev.bridge.pool..", "dev.bridge.eventloop..", "dev.bridge.context..",
			"dev.bridge.settings..", "dev.bridge.offload.." };

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

	/** One slice per package directly under {@code dev.bridge}, and the root package as its own. */
	private static final SliceAssignment PACKAGES = new SliceAssignment() {

		@Override
		public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
			String name = javaClass.getPackageName();
			if (name.equals("dev.bridge")) {
				return SliceIdentifier.of("dev.bridge");
			}
			if (name.startsWith("dev.bridge.")) {
				String rest = name.substring("dev.bridge.".length());
				int dot = rest.indexOf('.');
				return SliceIdentifier.of("dev.bridge." + ((dot < 0) ? rest : rest.substring(0, dot)));
			}
			return SliceIdentifier.ignore();
		}

		@Override
		public String getDescription() {
			return "packages of dev.bridge, the root package included";
		}

	};

}
