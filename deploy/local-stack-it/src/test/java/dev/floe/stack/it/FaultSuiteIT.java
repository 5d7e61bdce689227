package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.floe.stack.catalog.CatalogKind;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Nothing lost or doubled under faults, on each catalog: the four packaged services on a broker
 * process, four source tables written by two writers with random appends, copy-on-write overwrites,
 * position deletes, equality deletes and compactions, a webhook job that writes each run into a
 * target table, and meanwhile a kill -9 of each service, a broker restart, the REST catalog stopped
 * for 30 s, a slow receiver and aggressive expiry of the sources' snapshots. {@link PipelineRun}
 * checks the invariant: each target equals its source, no change read by two runs, no source data
 * file missing but those the expiry deleted, and no secret in any log.
 */
class FaultSuiteIT {
  /**
   * Every n-th commit changes or deletes rows already there; 0 for appends and compactions only.
   */
  private static final int REWRITE_EVERY = Integer.getInteger("floe.faults.rewrites", 5);

  @ParameterizedTest(name = "{0}")
  @EnumSource(CatalogKind.class)
  @Timeout(900)
  void nothingIsLostOrDoubledWhileEveryPartFails(CatalogKind catalog) throws Exception {
    assumeTrue(
        System.getProperty("floe.faults.catalogs", "SQLITE,POSTGRES,REST").contains(catalog.name()),
        "not among -Dfloe.faults.catalogs");
    PipelineRun.Outcome outcome =
        PipelineRun.run(
            "faults-" + catalog.name().toLowerCase(),
            new PipelineRun.Plan(
                catalog,
                4,
                80,
                2,
                Duration.ofMillis(400),
                12,
                REWRITE_EVERY,
                true,
                4,
                Duration.ofSeconds(3),
                Duration.ofSeconds(20),
                Duration.ofMinutes(6),
                0,
                false));
    System.out.printf("fault suite on %s: %s%n", catalog, outcome);
    assertThat(outcome.faults()).hasSize(catalog == CatalogKind.REST ? 6 : 5);
    assertThat(outcome.runs()).isPositive();
    if (REWRITE_EVERY > 0) {
      assertThat(outcome.recomputingRuns()).as("runs over overwrites and deletes").isPositive();
    }
    assertThat(outcome.expiredFiles()).as("files deleted by the sources' expiry").isPositive();
  }
}
