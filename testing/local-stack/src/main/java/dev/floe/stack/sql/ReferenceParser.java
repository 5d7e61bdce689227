package dev.floe.stack.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Reads one table reference where a statement names a table: a name of two or more parts ({@code
 * namespace.table}, or {@code lake.namespace.table} with the catalog's name; bare, backquoted or
 * double-quoted), its {@link VersionClause} and its alias. Pure and stateless.
 */
final class ReferenceParser {
  /** Words after a table reference that start the next clause, so are not an alias. */
  private static final Set<String> NOT_ALIASES =
      Set.of(
          ("WHERE JOIN INNER LEFT RIGHT FULL OUTER CROSS NATURAL SEMI ANTI POSITIONAL ASOF ON USING"
                  + " GROUP ORDER HAVING LIMIT OFFSET UNION EXCEPT INTERSECT MINUS WINDOW QUALIFY"
                  + " TABLESAMPLE SAMPLE PIVOT UNPIVOT LATERAL FETCH SELECT RETURNING")
              .split(" "));

  private ReferenceParser() {}

  /**
   * A reference found at token {@code start}.
   *
   * @param reference the table and version read
   * @param end the index of the first token after the name and the version clause
   * @param hasAlias whether the statement aliases the table
   * @param next the index of the first token after the alias, or {@code end} without one
   */
  record Parsed(TableReference reference, int end, boolean hasAlias, int next) {}

  /**
   * The reference at token {@code start}, or null when the tokens there name no lake table: a
   * single-part name (a CTE, a DuckDB table), a function call, a subquery.
   *
   * @throws LakeSqlException for a version clause that names no version
   */
  static Parsed parse(List<SqlToken> tokens, int start, String catalogName) {
    List<String> parts = new ArrayList<>();
    int i = start;
    while (i < tokens.size() && tokens.get(i).isIdentifier()) {
      parts.add(tokens.get(i).identifier());
      i++;
      if (i < tokens.size() && tokens.get(i).isSymbol('.')) {
        i++;
      } else {
        break;
      }
    }
    boolean isFunctionCall = i < tokens.size() && tokens.get(i).isSymbol('(');
    if (parts.size() >= 3 && parts.get(0).equalsIgnoreCase(catalogName)) {
      parts.remove(0);
    }
    if (parts.size() < 2 || isFunctionCall || tokens.get(i - 1).isSymbol('.')) {
      return null;
    }
    TableIdentifier table =
        TableIdentifier.of(
            Namespace.of(parts.subList(0, parts.size() - 1).toArray(String[]::new)),
            parts.get(parts.size() - 1));
    VersionClause version = VersionClause.parse(tokens, i, table);
    int end = version.end();
    boolean aliased = isAlias(tokens, end);
    return new Parsed(
        new TableReference(table, version.version()),
        end,
        aliased,
        aliased ? afterAlias(tokens, end) : end);
  }

  private static boolean isAlias(List<SqlToken> tokens, int i) {
    if (i >= tokens.size()) {
      return false;
    }
    SqlToken next = tokens.get(i);
    return next.isKeyword("AS")
        || next.kind() == SqlToken.Kind.QUOTED_IDENTIFIER
        || (next.kind() == SqlToken.Kind.WORD && !NOT_ALIASES.contains(next.upper()));
  }

  /** The index after the alias at {@code i}, and after its column list if it has one. */
  private static int afterAlias(List<SqlToken> tokens, int i) {
    if (tokens.get(i).isKeyword("AS")) {
      i++;
    }
    i++;
    if (i < tokens.size() && tokens.get(i).isSymbol('(')) {
      while (i < tokens.size() && !tokens.get(i).isSymbol(')')) {
        i++;
      }
      i++;
    }
    return Math.min(i, tokens.size());
  }
}
