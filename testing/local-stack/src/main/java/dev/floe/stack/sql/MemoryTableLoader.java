package dev.floe.stack.sql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Copies one {@link TableState} into a table of an in-memory DuckDB: the Iceberg schema mapped by
 * {@link DuckDbTypes}, every live row appended. Not thread-safe: a DuckDB connection is used by one
 * thread at a time.
 */
final class MemoryTableLoader {
  /** DuckDB's default schema, where the in-memory copies live. */
  private static final String SCHEMA = "main";

  private final DuckDBConnection duckDb;

  MemoryTableLoader(DuckDBConnection duckDb) {
    this.duckDb = duckDb;
  }

  /**
   * Creates table {@code name} holding the rows of {@code state}.
   *
   * @return how many rows it holds
   */
  long load(String name, TableState state) throws SQLException {
    List<Types.NestedField> columns = state.schema().columns();
    try (Statement create = duckDb.createStatement()) {
      create.execute(
          "CREATE TABLE "
              + StatementRewriter.quote(name)
              + " ("
              + columns.stream()
                  .map(
                      c ->
                          StatementRewriter.quote(c.name())
                              + " "
                              + DuckDbTypes.columnType(c.type()))
                  .collect(Collectors.joining(", "))
              + ")");
    }
    long rows = 0;
    try (DuckDBAppender appender = duckDb.createAppender(SCHEMA, name);
        CloseableIterable<Record> records = state.rows()) {
      for (Record record : records) {
        appender.beginRow();
        for (int i = 0; i < columns.size(); i++) {
          DuckDbTypes.append(appender, columns.get(i).type(), record.get(i));
        }
        appender.endRow();
        rows++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + state.table().name(), e);
    }
    return rows;
  }
}
