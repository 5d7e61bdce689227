package dev.floe.stack.test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * Checks that a module's main classes form no package cycle: each package is a slice, the module's
 * root package included, and no slice may depend on itself through others. A cycle is where a class
 * is in the wrong place (a REST resource reaching the runtime that builds its registry, a readiness
 * check beside the metrics the runtime uses); the failure lists the classes on it.
 */
public final class PackageCycles {
  private PackageCycles() {}

  /** Fails when the main classes under {@code rootPackage} form a package cycle. */
  public static void assertNone(String rootPackage) {
    // Cycles are among Floe's own classes: do not import every library class they name.
    ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(rootPackage);
    slices()
        .matching("(**)")
        .namingSlices("$1")
        .should()
        .beFreeOfCycles()
        .allowEmptyShould(true)
        .check(classes);
  }
}
