package dev.floe.stack.sql;

/**
 * Which state of a table a reference reads: the current one, a named ref (a tag such as {@code
 * change-<snapshot id>}, or a branch), or one snapshot by id, as Spark's {@code VERSION AS OF}
 * takes them.
 */
sealed interface TableVersion {
  /** The suffix of the in-memory table's name that tells this version apart; empty for current. */
  String suffix();

  /** The version as it would be written in a statement, for messages. */
  String describe();

  /** The table's current snapshot: no time travel. */
  record Current() implements TableVersion {
    @Override
    public String suffix() {
      return "";
    }

    @Override
    public String describe() {
      return "the current snapshot";
    }
  }

  /** A tag or a branch, by name: {@code VERSION AS OF 'change-42'}. */
  record Ref(String name) implements TableVersion {
    @Override
    public String suffix() {
      return "@" + name;
    }

    @Override
    public String describe() {
      return "VERSION AS OF '" + name.replace("'", "''") + "'";
    }
  }

  /** One snapshot by id: {@code VERSION AS OF 42}. */
  record SnapshotId(long id) implements TableVersion {
    @Override
    public String suffix() {
      return "@snapshot:" + id;
    }

    @Override
    public String describe() {
      return "VERSION AS OF " + id;
    }
  }
}
