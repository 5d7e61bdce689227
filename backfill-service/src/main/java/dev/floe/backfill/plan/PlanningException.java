package dev.floe.backfill.plan;

/**
 * A request that can't be planned as asked, naming the request field at fault: answered as a
 * problem naming that field, 400 unless it conflicts with what exists (409).
 */
public final class PlanningException extends RuntimeException {
  private final String field;
  private final int status;

  public PlanningException(String field, String message) {
    this(400, field, message);
  }

  public PlanningException(int status, String field, String message) {
    super(message);
    this.field = field;
    this.status = status;
  }

  public String field() {
    return field;
  }

  public int status() {
    return status;
  }
}
