package dev.floe.capture.rows;

import dev.floe.contracts.model.TableRef;
import io.debezium.spi.schema.DataCollectionId;
import java.util.ArrayList;
import java.util.List;

/**
 * A source table as Debezium names a data collection: {@code <catalog>.<namespace>.<table>}, the
 * catalog in the database part and the namespace in the schema part.
 */
record IcebergTableId(TableRef table) implements DataCollectionId {

  @Override
  public String identifier() {
    return String.join(".", parts());
  }

  @Override
  public List<String> parts() {
    List<String> parts = new ArrayList<>();
    parts.add(table.catalog());
    parts.addAll(table.namespace());
    parts.add(table.name());
    return parts;
  }

  @Override
  public List<String> databaseParts() {
    return List.of(table.catalog(), table.name());
  }

  @Override
  public List<String> schemaParts() {
    List<String> parts = new ArrayList<>(table.namespace());
    parts.add(table.name());
    return parts;
  }
}
