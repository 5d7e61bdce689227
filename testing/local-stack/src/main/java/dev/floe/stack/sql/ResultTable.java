package dev.floe.stack.sql;

import java.io.PrintStream;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints a query result as an aligned text table, as psql does: a header, a rule, at most {@code
 * maxRows} rows (numbers aligned right, NULL for nulls), a line saying how many rows were left out
 * if any, and a last line {@code (N rows)} with the count of all rows. Values are DuckDB's own text
 * for them; a line break inside a value is printed as {@code \n} so that each row keeps to one
 * line.
 */
final class ResultTable {
  /** Seconds always, the fraction only as long as it needs to be, as DuckDB prints it. */
  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .appendLiteral(' ')
          .appendPattern("HH:mm:ss")
          .appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true)
          .toFormatter();

  private ResultTable() {}

  /**
   * Prints {@code result}, reading it to the end.
   *
   * @return how many rows the result has, shown or not
   */
  static long print(ResultSet result, int maxRows, PrintStream out) throws SQLException {
    ResultSetMetaData meta = result.getMetaData();
    int columns = meta.getColumnCount();
    String[] header = new String[columns];
    boolean[] numeric = new boolean[columns];
    int[] widths = new int[columns];
    for (int c = 0; c < columns; c++) {
      header[c] = meta.getColumnLabel(c + 1);
      numeric[c] = isNumeric(meta.getColumnType(c + 1));
      widths[c] = header[c].length();
    }
    List<String[]> shown = new ArrayList<>();
    long total = 0;
    while (result.next()) {
      total++;
      if (shown.size() < maxRows) {
        String[] row = new String[columns];
        for (int c = 0; c < columns; c++) {
          String value = text(result, c + 1);
          row[c] = value == null ? "NULL" : value.replace("\r", "\\r").replace("\n", "\\n");
          widths[c] = Math.max(widths[c], row[c].length());
        }
        shown.add(row);
      }
    }
    out.println(line(header, widths, new boolean[columns]));
    StringBuilder rule = new StringBuilder();
    for (int c = 0; c < columns; c++) {
      rule.append(c == 0 ? "" : "-+-").append("-".repeat(widths[c]));
    }
    out.println(rule);
    shown.forEach(row -> out.println(line(row, widths, numeric)));
    if (total > shown.size()) {
      out.printf("... %d more rows not shown (--max-rows %d)%n", total - shown.size(), maxRows);
    }
    out.println(total == 1 ? "(1 row)" : "(" + total + " rows)");
    return total;
  }

  /**
   * DuckDB's text for the value, except for a timestamp with time zone, whose JDBC text is Java's
   * ({@code 2026-11-24T09:00Z}): it is printed as DuckDB prints it ({@code 2026-11-24
   * 09:00:00+00}).
   */
  private static String text(ResultSet result, int column) throws SQLException {
    Object value = result.getObject(column);
    if (value instanceof OffsetDateTime zoned) {
      String offset = zoned.getOffset().getId();
      offset = offset.equals("Z") ? "+00" : offset.replaceFirst(":00$", "");
      return zoned.toLocalDateTime().format(TIMESTAMP) + offset;
    }
    return value == null ? null : result.getString(column);
  }

  private static String line(String[] cells, int[] widths, boolean[] alignRight) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.length; c++) {
      String pad = " ".repeat(widths[c] - cells[c].length());
      line.append(c == 0 ? "" : " | ").append(alignRight[c] ? pad + cells[c] : cells[c] + pad);
    }
    return line.toString().stripTrailing();
  }

  private static boolean isNumeric(int sqlType) {
    return switch (sqlType) {
      case Types.TINYINT,
          Types.SMALLINT,
          Types.INTEGER,
          Types.BIGINT,
          Types.REAL,
          Types.FLOAT,
          Types.DOUBLE,
          Types.DECIMAL,
          Types.NUMERIC ->
          true;
      default -> false;
    };
  }
}
