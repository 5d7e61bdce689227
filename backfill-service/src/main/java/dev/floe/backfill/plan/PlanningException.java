package dev.floe.backfill.plan;

/**
 * A request that can't be planned as asked, naming the request field at fault: answered as a 400
 * problem naming that field.
 */
public final class PlanningException extends RuntimeException {
  private final String field;

  public PlanningException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
