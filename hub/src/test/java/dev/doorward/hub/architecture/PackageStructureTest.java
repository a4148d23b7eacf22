package dev.doorward.hub.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hub's package structure (docs/architecture.md, CONTRIBUTING.md). Every top-level package under
 * {@code dev.doorward.hub} is a slice, and no two slices may depend on each other, directly or round a longer
 * cycle: each feature can be read, changed and tested starting from the packages below it. Main code only (a test
 * may reach across).
 */
class PackageStructureTest {
    private static JavaClasses hub;

    @BeforeAll
    static void importHub() {
        hub = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.doorward.hub");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.doorward.hub.(*)..").should().beFreeOfCycles().check(hub);
    }

    /** The shared kernel (errors, the signed-in account, events and ports) is what every feature may use. */
    @Test
    void theSharedKernelUsesNoOtherHubPackage() {
        noClasses()
                .that()
                .resideInAPackage("dev.doorward.hub.shared..")
                .should()
                .dependOnClassesThat(
                        resideInAPackage("dev.doorward.hub..").and(not(resideInAPackage("dev.doorward.hub.shared.."))))
                .check(hub);
    }

    /** The root package wires the application together (it is in no slice, so the cycle rule cannot see it). */
    @Test
    void nothingDependsOnTheApplicationsWiring() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.doorward.hub")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.doorward.hub")
                .check(hub);
    }
}
