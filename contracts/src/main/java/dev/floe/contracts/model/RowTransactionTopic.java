package dev.floe.contracts.model;

/**
 * Where a capture's row stream publishes its BEGIN and END events. The JSON names are part of the
 * wire contract and are never renamed.
 */
public enum RowTransactionTopic implements WireNamed {
  /** The table's own topic, {@code floe.transactions.<namespace>.<table>}. */
  TABLE,
  /**
   * The capture's topic in Debezium's naming, {@code <prefix>.transaction}, where the prefix is
   * {@code floe.capture.<captureId>}.
   */
  CAPTURE;

  @Override
  public String toString() {
    return wireName();
  }

  public static RowTransactionTopic fromWireName(String name) {
    return WireNamed.fromWireName(RowTransactionTopic.class, "row transaction topic", name);
  }
}
