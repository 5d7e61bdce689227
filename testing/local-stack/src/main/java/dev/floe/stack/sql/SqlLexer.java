package dev.floe.stack.sql;

import dev.floe.stack.sql.SqlToken.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a SQL statement into {@link SqlToken}s, just enough to find table references: it knows
 * string literals, quoted identifiers, numbers and comments, so that a {@code FROM} inside a string
 * or a comment is not taken for a keyword. Pure and stateless.
 */
final class SqlLexer {
  private SqlLexer() {}

  /**
   * The tokens of {@code sql}, in order.
   *
   * @throws LakeSqlException for a string, quoted identifier or comment that is never closed
   */
  static List<SqlToken> tokens(String sql) {
    List<SqlToken> tokens = new ArrayList<>();
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (sql.startsWith("--", i)) {
        int eol = sql.indexOf('\n', i);
        i = eol < 0 ? n : eol + 1;
      } else if (sql.startsWith("/*", i)) {
        int close = sql.indexOf("*/", i + 2);
        if (close < 0) {
          throw new LakeSqlException("the statement has a comment that is never closed");
        }
        i = close + 2;
      } else if (c == '\'' || c == '"' || c == '`') {
        int end = closingQuote(sql, i);
        tokens.add(
            new SqlToken(
                c == '\'' ? Kind.STRING : Kind.QUOTED_IDENTIFIER, sql.substring(i, end), i, end));
        i = end;
      } else if (Character.isDigit(c)) {
        int end = i;
        while (end < n && (Character.isLetterOrDigit(sql.charAt(end)) || sql.charAt(end) == '.')) {
          end++;
        }
        tokens.add(new SqlToken(Kind.NUMBER, sql.substring(i, end), i, end));
        i = end;
      } else if (Character.isLetter(c) || c == '_') {
        int end = i;
        while (end < n
            && (Character.isLetterOrDigit(sql.charAt(end))
                || sql.charAt(end) == '_'
                || sql.charAt(end) == '$')) {
          end++;
        }
        tokens.add(new SqlToken(Kind.WORD, sql.substring(i, end), i, end));
        i = end;
      } else {
        tokens.add(new SqlToken(Kind.SYMBOL, String.valueOf(c), i, i + 1));
        i++;
      }
    }
    return tokens;
  }

  /** The index just past the quote that closes the one at {@code open}; doubled quotes escape. */
  private static int closingQuote(String sql, int open) {
    char quote = sql.charAt(open);
    int i = open + 1;
    while (i < sql.length()) {
      if (sql.charAt(i) == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      i++;
    }
    throw new LakeSqlException(
        "the statement has a "
            + (quote == '\'' ? "string" : "quoted name")
            + " that is never closed");
  }
}
