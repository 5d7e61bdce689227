package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.TestTier;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nothing lost or doubled under faults, on each catalog: the four packaged services on a broker
 * process, four source tables written by two writers with random appends, copy-on-write overwrites,
 * merge-on-read updates, position deletes, equality deletes, upserts as Flink writes them and
 * compactions, a webhook job that writes each run into a target table, and meanwhile a kill -9 of
 * each service, a broker restart, the REST catalog stopped (15 s in the gate, 30 s in the soak), a
 * slow receiver and aggressive expiry of the sources' snapshots (their data files kept, as no test
 * deletes one, and recorded: no job may read a state naming one afterwards). The faults overlap,
 * each at its own seeded point among the planned commits, and each killed service (and the broker)
 * stays down until a writer's commit landed meanwhile; once the planned commits are in, the writers
 * slow down and stop when the last fault is over. One source is format 3, so its position deletes
 * and updates are deletion vectors. Besides the target, a second job keeps orders and revenue per
 * day from each run's added and removed states. {@link PipelineRun} checks that no writer's commit
 * failed, that a commit landed while each service and the broker was down, and the invariant: each
 * target equals its source, the revenue job equals a recomputation from the source after every run,
 * no change read by two runs, no state read naming a file the expiry released, no source data file
 * missing, no secret in any log, and the launch contract.
 */
class FaultSuiteIT {
  /**
   * Every n-th commit changes or deletes rows already there; 0 for appends and compactions only.
   */
  private static final int REWRITE_EVERY = Integer.getInteger("floe.faults.rewrites", 5);

  /**
   * Faults are recovered on Kafka's side, so the gate runs the suite once, on the REST catalog
   * server, the one catalog that can also go away (its outage); the soak runs all three.
   */
  static Stream<CatalogKind> catalogs() {
    return TestTier.recoveryCatalogs(CatalogKind.REST);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("catalogs")
  // Above the suite's own bounded waits (stack start, 2 min until the sources are watched, writing
  // 3 x drain, 2 min until the writers stop, then drain), which fail with each table's progress
  // and every service's thread dump: JUnit's timeout would say only "timed out".
  @Timeout(1800)
  void nothingIsLostOrDoubledWhileEveryPartFails(CatalogKind catalog) throws Exception {
    PipelineRun.Outcome outcome =
        PipelineRun.run(
            "faults-" + catalog.name().toLowerCase(),
            new PipelineRun.Plan(
                catalog,
                4,
                60,
                2,
                Duration.ofMillis(400),
                12,
                REWRITE_EVERY,
                true,
                4,
                Duration.ofSeconds(3),
                Duration.ofSeconds(20),
                Duration.ofMinutes(5),
                0,
                0,
                false));
    System.out.printf("fault suite on %s: %s%n", catalog, outcome);
    assertThat(outcome.faults()).hasSize(catalog == CatalogKind.REST ? 6 : 5);
    assertThat(outcome.runs()).isPositive();
    if (REWRITE_EVERY > 0) {
      assertThat(outcome.recomputingRuns()).as("runs over overwrites and deletes").isPositive();
      // The job of orders and revenue per day equalled the source after every run (PipelineRun
      // asserts it), and it did so from removed states, deletion vectors among them.
      assertThat(outcome.revenueRunsWithRemoved())
          .as("runs whose revenue was kept from a removed state")
          .isPositive();
      assertThat(outcome.vectorsWritten())
          .as("deletion vectors on the format-3 source")
          .isPositive();
      assertThat(outcome.revenueRebased())
          .as("runs without states (a snapshot they needed expired), against runs with states")
          .isLessThanOrEqualTo(outcome.revenueRuns());
    }
    assertThat(outcome.expiredFiles())
        .as("source files the sources' expiry released (kept on disk, never read again)")
        .isPositive();
  }
}
