package dev.floe.stack.sql;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the lake tables a statement reads and rewrites it to read in-memory copies instead. A table
 * reference ({@link ReferenceParser}) is looked for after {@code FROM}, {@code JOIN} and each comma
 * of a {@code FROM} list, with time travel as Spark writes it ({@code VERSION AS OF 'tag'}, {@code
 * VERSION AS OF <snapshot id>}) or as Trino does ({@code FOR VERSION AS OF}). Single-part names
 * (CTEs, DuckDB's own tables and functions) are left alone, and so is every {@code FROM} that does
 * not start a table list ({@code EXTRACT(YEAR FROM ts)}, {@code IS DISTINCT FROM}).
 *
 * <p>Each reference becomes the quoted name of its in-memory table, aliased to the table's own name
 * when the statement gave it no alias, so that {@code orders.order_id} still resolves. Pure and
 * stateless.
 */
final class StatementRewriter {
  /** Words that end a FROM clause at their depth. */
  private static final Set<String> ENDS_FROM =
      Set.of(
          ("WHERE GROUP HAVING ORDER LIMIT OFFSET QUALIFY WINDOW UNION EXCEPT INTERSECT MINUS FETCH"
                  + " RETURNING")
              .split(" "));

  private StatementRewriter() {}

  /**
   * The statement rewritten, and the distinct table states it reads, in order of appearance.
   *
   * @param catalogName the catalog's name, which a three-part reference may start with
   * @throws LakeSqlException for a time-travel clause that is not a tag, branch or snapshot id
   */
  static RewrittenStatement rewrite(String sql, String catalogName) {
    List<SqlToken> tokens = SqlLexer.tokens(sql);
    Map<TableReference, String> tables = new LinkedHashMap<>();
    StringBuilder out = new StringBuilder();
    int copied = 0;
    Deque<Depth> depths = new ArrayDeque<>();
    depths.push(new Depth(0));
    int i = 0;
    while (i < tokens.size()) {
      SqlToken token = tokens.get(i);
      Depth depth = depths.peek();
      if (token.isSymbol('(')) {
        depths.push(new Depth(i + 1));
      } else if (token.isSymbol(')') && depths.size() > 1) {
        depths.pop();
      } else if (token.isKeyword("SELECT")) {
        depth.sawSelect = true;
        depth.inFrom = false;
      } else if (token.kind() == SqlToken.Kind.WORD && ENDS_FROM.contains(token.upper())) {
        depth.inFrom = false;
      } else if (startsTable(tokens, i, depth)) {
        depth.inFrom = true;
        ReferenceParser.Parsed parsed = ReferenceParser.parse(tokens, i + 1, catalogName);
        if (parsed != null) {
          String name = tables.computeIfAbsent(parsed.reference(), TableReference::memoryTableName);
          out.append(sql, copied, tokens.get(i + 1).start()).append(quote(name));
          if (!parsed.hasAlias()) {
            out.append(" AS ").append(quote(parsed.reference().table().name()));
          }
          copied = tokens.get(parsed.end() - 1).end();
          i = parsed.next();
          continue;
        }
      }
      i++;
    }
    out.append(sql, copied, sql.length());
    return new RewrittenStatement(out.toString(), tables);
  }

  /**
   * True when token {@code i} is followed by a table: a JOIN, a comma of a FROM clause, or a FROM
   * of a query (after a SELECT at its depth, or first there) but not of {@code IS DISTINCT FROM}.
   */
  private static boolean startsTable(List<SqlToken> tokens, int i, Depth depth) {
    SqlToken token = tokens.get(i);
    if (token.isKeyword("JOIN") || (token.isSymbol(',') && depth.inFrom)) {
      return true;
    }
    if (!token.isKeyword("FROM")) {
      return false;
    }
    boolean afterDistinct = i > 0 && tokens.get(i - 1).isKeyword("DISTINCT");
    return !afterDistinct && (depth.sawSelect || depth.first == i);
  }

  /** A DuckDB identifier: always quoted, since in-memory names hold dots and dashes. */
  static String quote(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /** What is known of one parenthesis depth (the statement itself is depth 0). */
  private static final class Depth {
    /** The index of the depth's first token: DuckDB's FROM-first queries start with FROM. */
    final int first;

    boolean sawSelect;

    /** Between a FROM and the clause after it, where a comma is followed by another table. */
    boolean inFrom;

    Depth(int first) {
      this.first = first;
    }
  }
}
