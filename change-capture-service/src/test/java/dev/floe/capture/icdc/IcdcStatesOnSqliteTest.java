package dev.floe.capture.icdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.catalog.CatalogKind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The unit tier's run: SQLite, format v3. */
@Tag("unit")
class IcdcStatesOnSqliteTest extends IcdcStatesDifferentialTest {
  @Test
  void statesHoldTheInvariantOnFormatV3WithDeletionVectors() {
    Checked checked = statesHoldTheInvariantForEveryChangeAndRun(CatalogKind.SQLITE, 3, 22);

    assertThat(checked.changes()).as("changes checked").isGreaterThanOrEqualTo(15);
    assertThat(checked.mergeOnRead()).as("merge-on-read changes checked").isGreaterThan(2);
    assertThat(checked.runs()).as("multi-change ranges checked").isEqualTo(6);
  }
}
