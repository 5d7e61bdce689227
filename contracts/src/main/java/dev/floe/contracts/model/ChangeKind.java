package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a source commit did to the table's logical content. The JSON names are part of the wire
 * contract and are never renamed.
 */
public enum ChangeKind {
  /** Data files added, none removed. */
  APPEND("append"),
  /** Data files added and removed in one commit. */
  OVERWRITE("overwrite"),
  /** Data files removed, none added. */
  DELETE("delete"),
  /** Delete files (position, equality or deletion vectors) added: merge-on-read deletes. */
  ROW_DELETE("row-delete"),
  /** Files rewritten without logical change, such as compaction. Triggers ignore it by default. */
  REPLACE("replace");

  private final String wireName;

  ChangeKind(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @Override
  public String toString() {
    return wireName;
  }

  public static ChangeKind fromWireName(String name) {
    for (ChangeKind kind : values()) {
      if (kind.wireName.equals(name)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("unknown change kind '" + name + "'");
  }
}
