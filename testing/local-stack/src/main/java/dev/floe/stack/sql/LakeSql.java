package dev.floe.stack.sql;

import java.io.PrintStream;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.catalog.Catalog;
import org.duckdb.DuckDBConnection;

/**
 * Plain SQL over the lake's table states, with the statements one would run in Spark: {@code SELECT
 * * FROM lake.floe_icdc.demo__orders__orders VERSION AS OF 'change-42'}. Each table state a
 * statement reads is copied once, with Iceberg's generic reader (so merge-on-read deletes apply),
 * into an in-memory DuckDB, and the statement, rewritten to read the copies, runs there. Nothing is
 * ever written to the lake.
 *
 * <p>A copy is made on first use and kept until {@link #close()}, so the statements of one instance
 * see each state as it was when first read. Not thread-safe. Meant for the small tables of the
 * local stack: every state read is held in memory.
 */
public final class LakeSql implements AutoCloseable {
  private final String catalogName;
  private final TableStates states;
  private final DuckDBConnection duckDb;
  private final MemoryTableLoader loader;
  private final Set<String> loaded = new HashSet<>();

  /** Reads from {@code catalog}; the caller keeps owning it. */
  public LakeSql(Catalog catalog) {
    this.catalogName = catalog.name();
    this.states = new TableStates(catalog);
    try {
      this.duckDb = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open an in-memory DuckDB", e);
    }
    this.loader = new MemoryTableLoader(duckDb);
  }

  /** What a caller makes of a result; the result set is valid only during the call. */
  @FunctionalInterface
  public interface ResultReader<T> {
    T read(ResultSet result) throws SQLException;
  }

  /**
   * Runs {@code sql} and hands its result to {@code reader}.
   *
   * @return what {@code reader} returned, or null for a statement without a result
   * @throws LakeSqlException for an unknown table or version, or a statement DuckDB refuses
   */
  public <T> T query(String sql, ResultReader<T> reader) {
    RewrittenStatement statement = StatementRewriter.rewrite(sql, catalogName);
    try {
      for (Map.Entry<TableReference, String> table : statement.tables().entrySet()) {
        if (loaded.add(table.getValue())) {
          loader.load(table.getValue(), states.resolve(table.getKey()));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot copy a table state into DuckDB: " + e.getMessage(), e);
    }
    try (Statement run = duckDb.createStatement()) {
      if (!run.execute(statement.sql())) {
        return null;
      }
      try (ResultSet result = run.getResultSet()) {
        return reader.read(result);
      }
    } catch (SQLException e) {
      throw new LakeSqlException(explain(e.getMessage()), e);
    }
  }

  /**
   * Runs {@code sql} and prints its result as a {@link ResultTable} of at most {@code maxRows}
   * rows; a statement without a result prints {@code OK}.
   *
   * @return how many rows the result has
   */
  public long print(String sql, int maxRows, PrintStream out) {
    Long rows = query(sql, result -> ResultTable.print(result, maxRows, out));
    if (rows == null) {
      out.println("OK");
      return 0;
    }
    return rows;
  }

  private static String explain(String duckDbMessage) {
    String message = duckDbMessage == null ? "DuckDB refused the statement" : duckDbMessage;
    if (message.contains("Table with name") && message.contains("does not exist")) {
      return message
          + "\nLake tables are named namespace.table or lake.namespace.table, such as demo.orders.";
    }
    return message;
  }

  @Override
  public void close() {
    try {
      duckDb.close();
    } catch (SQLException e) {
      // an in-memory database: closing frees memory only, nothing to recover
    }
  }
}
