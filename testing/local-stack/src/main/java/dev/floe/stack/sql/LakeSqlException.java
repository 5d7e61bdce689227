package dev.floe.stack.sql;

/**
 * A statement that cannot run as written: an unknown table or version, a malformed reference, or an
 * error DuckDB reports. Its message is meant for the person who typed the statement, and says what
 * to change; {@code floe-local sql} prints it without a stack trace and exits with status 2.
 */
public final class LakeSqlException extends RuntimeException {
  public LakeSqlException(String message) {
    super(message);
  }

  public LakeSqlException(String message, Throwable cause) {
    super(message, cause);
  }
}
