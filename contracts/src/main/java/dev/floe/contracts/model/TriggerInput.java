package dev.floe.contracts.model;

/**
 * One input of a trigger: the changes of one capture, or of every capture of one source table.
 * Exactly one of the two is set.
 *
 * @param captureId a capture's id
 * @param table a source table; any capture of it feeds the trigger
 */
public record TriggerInput(String captureId, TableRef table) {

  public TriggerInput {
    if ((captureId == null) == (table == null)) {
      throw new IllegalArgumentException("a trigger input names a capture or a table, not both");
    }
  }

  public static TriggerInput capture(String captureId) {
    return new TriggerInput(captureId, null);
  }

  public static TriggerInput table(TableRef table) {
    return new TriggerInput(null, table);
  }

  /** Whether a change of {@code captureId} on {@code source} feeds this input. */
  public boolean matches(String changeCaptureId, TableRef source) {
    return captureId != null ? captureId.equals(changeCaptureId) : table.equals(source);
  }

  /** A stable name for the input, used in watermarks and metrics. */
  public String key() {
    return captureId != null ? "capture:" + captureId : "table:" + table.qualifiedName();
  }
}
