package dev.floe.capture.rows;

import static org.apache.iceberg.types.Types.NestedField.required;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class RowChangesKeyTest {
  private static final List<Types.NestedField> COLUMNS =
      List.of(
          required(1, "id", Types.LongType.get()),
          required(2, "region", Types.StringType.get()),
          required(3, "origin", Types.StructType.of(required(4, "shop", Types.LongType.get()))));

  @Test
  void topLevelIdentifierFieldsKeyTheRowsInSchemaOrder() {
    assertThat(RowChanges.keyNames(new Schema(COLUMNS, Set.of(2, 1))))
        .containsExactly("id", "region");
  }

  @Test
  void anIdentifierNestedInAStructLeavesTheRowsKeyless() {
    // The key would miss it, and pairing on the rest would match unrelated rows.
    assertThat(RowChanges.keyNames(new Schema(COLUMNS, Set.of(1, 4)))).isEmpty();
    assertThat(RowChanges.keyNames(new Schema(COLUMNS))).isEmpty();
  }
}
