package dev.floe.capture.rows;

import org.apache.iceberg.data.Record;

/**
 * One row-level change of a snapshot, as Debezium's envelope carries it.
 *
 * @param before the row before the change; null for a create
 * @param after the row after the change; null for a delete
 */
public record RowChange(Op op, Record before, Record after) {

  /** Debezium's operation codes. */
  public enum Op {
    /** A row the snapshot inserted. */
    CREATE("c"),
    /** A deleted row and an inserted row with the same identifier fields. */
    UPDATE("u"),
    /** A row the snapshot deleted. */
    DELETE("d"),
    /** A row of the table as it was when the row stream began: its initial snapshot. */
    READ("r");

    private final String code;

    Op(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  static RowChange create(Record after) {
    return new RowChange(Op.CREATE, null, after);
  }

  static RowChange update(Record before, Record after) {
    return new RowChange(Op.UPDATE, before, after);
  }

  static RowChange read(Record row) {
    return new RowChange(Op.READ, null, row);
  }

  static RowChange delete(Record before) {
    return new RowChange(Op.DELETE, before, null);
  }
}
