package dev.floe.contracts.model;

/**
 * The shapes of the names a REST request may carry, checked before a name reaches a catalog, a file
 * path, a topic or a log line. Quotes, semicolons, slashes, backslashes, percent signs, whitespace
 * and control characters never pass, nor does {@code ..}: a name cannot climb out of a warehouse
 * path or break out of a quoted SQL identifier.
 */
public final class Identifiers {
  /** A namespace level or a table name: letters, digits, _ and -, at most 255. */
  public static final String NAME = "[A-Za-z0-9_][A-Za-z0-9_-]{0,254}";

  /** {@code <namespace>.<table>}, the namespace of one level or more. */
  public static final String TABLE = NAME + "(\\." + NAME + ")+";

  /** A namespace of one level or more. */
  public static final String NAMESPACE = NAME + "(\\." + NAME + ")*";

  /** A branch or tag: letters, digits, _, - and single dots, at most 100. */
  public static final String BRANCH = "(?!.*\\.\\.)[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}";

  /** The id of a capture, a trigger or a backfill. */
  public static final String ID = "[a-z0-9][a-z0-9_-]{0,99}";

  public static final String TABLE_MESSAGE =
      "must be <namespace>.<table>: letters, digits, _ and -, separated by dots";
  public static final String NAME_MESSAGE = "must be letters, digits, _ and -";
  public static final String BRANCH_MESSAGE = "must be a branch name: letters, digits, _, - and .";
  public static final String ID_MESSAGE = "must be lower-case letters, digits, _ and -";

  private Identifiers() {}
}
