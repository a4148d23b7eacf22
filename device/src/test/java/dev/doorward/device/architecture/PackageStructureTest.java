package dev.doorward.device.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The doorbell's package structure (docs/architecture.md). Every top-level package under {@code
 * dev.doorward.device} is a slice and no two slices depend on each other, directly or round a longer cycle. The
 * root package ({@code DeviceAgent}, {@code DeviceConfig}) wires the flows together: only the programs that start
 * an agent (the real doorbell, the simulator, the factory tool's console) use it. Main code only.
 */
class PackageStructureTest {
    private static JavaClasses device;

    @BeforeAll
    static void importDevice() {
        device = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.doorward.device");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.doorward.device.(*)..").should().beFreeOfCycles().check(device);
    }

    @Test
    void onlyTheProgramsUseTheAgentsWiring() {
        noClasses()
                .that()
                .resideOutsideOfPackages(
                        "dev.doorward.device",
                        "dev.doorward.device.hardware..",
                        "dev.doorward.device.sim..",
                        "dev.doorward.device.factory..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.doorward.device")
                .check(device);
    }
}
