package dev.floe.stack.sql;

import java.util.List;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * The time-travel clause after a table reference, if any: {@code [FOR] VERSION AS OF <version>}
 * (also {@code SYSTEM_VERSION}, Spark's synonym), where the version is a quoted tag or branch name
 * or a snapshot id. Time travel by timestamp is refused with a message, not passed to DuckDB.
 *
 * @param version the version read; {@link TableVersion.Current} without a clause
 * @param end the index of the first token after the clause
 */
record VersionClause(TableVersion version, int end) {
  /**
   * The clause starting at token {@code i}, or none.
   *
   * @throws LakeSqlException for a clause whose version is neither a string nor a whole number, or
   *     that travels by timestamp
   */
  static VersionClause parse(List<SqlToken> tokens, int i, TableIdentifier table) {
    int at = i < tokens.size() && tokens.get(i).isKeyword("FOR") ? i + 1 : i;
    if (at + 2 >= tokens.size()
        || !tokens.get(at + 1).isKeyword("AS")
        || !tokens.get(at + 2).isKeyword("OF")) {
      return new VersionClause(new TableVersion.Current(), i);
    }
    SqlToken kind = tokens.get(at);
    if (kind.isKeyword("TIMESTAMP") || kind.isKeyword("SYSTEM_TIME")) {
      throw new LakeSqlException(
          table
              + ": time travel by timestamp is not supported here; read a tag, a branch or a"
              + " snapshot id with VERSION AS OF");
    }
    if (!kind.isKeyword("VERSION") && !kind.isKeyword("SYSTEM_VERSION")) {
      return new VersionClause(new TableVersion.Current(), i);
    }
    SqlToken value = at + 3 < tokens.size() ? tokens.get(at + 3) : null;
    if (value != null && value.kind() == SqlToken.Kind.STRING) {
      return new VersionClause(new TableVersion.Ref(value.stringValue()), at + 4);
    }
    if (value != null && value.kind() == SqlToken.Kind.NUMBER && value.text().matches("\\d+")) {
      try {
        return new VersionClause(new TableVersion.SnapshotId(Long.parseLong(value.text())), at + 4);
      } catch (NumberFormatException tooLarge) {
        throw new LakeSqlException(table + ": " + value.text() + " is no snapshot id (too large)");
      }
    }
    throw new LakeSqlException(
        table
            + ": VERSION AS OF takes a quoted tag or branch name, such as 'change-42', or a snapshot"
            + " id, such as 42; found "
            + (value == null ? "nothing" : value.text()));
  }
}
