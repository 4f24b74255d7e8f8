package dev.bridge.demo;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The demo is written as any application would be: of Bridge it uses only the public API in
 * {@code dev.bridge}, never an internal or integration package.
 */
class DemoArchitectureTests {

	private static final JavaClasses CLASSES = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.bridge.demo");

	@Test
	void demoCodeUsesOnlyThePublicApiOfBridge() {
		noClasses().that()
			.resideInAPackage("dev.bridge.demo..")
			.should()
			.dependOnClassesThat(resideInAPackage("dev.bridge..")
				.and(not(resideInAnyPackage("dev.bridge", "dev.bridge.demo.."))))
			.check(CLASSES);
	}

}
