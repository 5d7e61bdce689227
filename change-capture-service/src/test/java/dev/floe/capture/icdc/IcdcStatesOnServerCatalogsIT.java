package dev.floe.capture.icdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.TestTier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The same on PostgreSQL's JdbcCatalog with format v2 (position delete files) and on Iceberg's REST
 * catalog server with format v3 (deletion vectors). A soak variant (about a minute): the gate
 * checks the same invariant on those catalogs for every change of CaptureFlowOn{Postgres,Rest}Test,
 * and this test's random multi-change ranges on SQLite.
 */
class IcdcStatesOnServerCatalogsIT extends IcdcStatesDifferentialTest {
  @ParameterizedTest(name = "{0}, format v{1}, seed {2}")
  @CsvSource({"POSTGRES, 2, 31", "REST, 3, 32"})
  void statesHoldTheInvariant(CatalogKind kind, int version, long seed) {
    assumeTrue(TestTier.soak(), "a soak variant: testing/bin/floe-soak");
    Checked checked = statesHoldTheInvariantForEveryChangeAndRun(kind, version, seed);

    assertThat(checked.changes()).as("changes checked").isGreaterThanOrEqualTo(15);
    assertThat(checked.mergeOnRead()).as("merge-on-read changes checked").isGreaterThan(2);
  }
}
