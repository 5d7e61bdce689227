package dev.floe.contracts.model;

/**
 * What a source commit did to the table's logical content. The JSON names are part of the wire
 * contract and are never renamed.
 */
public enum ChangeKind implements WireNamed {
  /** Data files added, none removed. */
  APPEND,
  /** Data files added and removed in one commit. */
  OVERWRITE,
  /** Data files removed, none added. */
  DELETE,
  /** Delete files (position, equality or deletion vectors) added: merge-on-read deletes. */
  ROW_DELETE,
  /** Files rewritten without logical change, such as compaction. Triggers ignore it by default. */
  REPLACE;

  @Override
  public String toString() {
    return wireName();
  }

  public static ChangeKind fromWireName(String name) {
    return WireNamed.fromWireName(ChangeKind.class, "change kind", name);
  }
}
