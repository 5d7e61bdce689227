package dev.floe.listener.watch;

import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import java.util.List;
import java.util.Objects;

/**
 * A table the listener follows, and why.
 *
 * @param branches the branches whose commits are published, {@code main} first
 * @param initialPosition where publication starts when the table has no checkpoint
 * @param source where the watch comes from; decides whether it can be removed over REST
 */
public record Watch(
    TableRef table, List<String> branches, InitialPosition initialPosition, Source source) {

  /** Where a watch comes from. */
  public enum Source {
    /** {@code floe.listener.watch.tables}: removed by changing the configuration. */
    CONFIG,
    /** Found in a namespace matching {@code floe.listener.watch.namespaces}. */
    DISCOVERED,
    /** Defined over REST, stored in the watches topic. */
    API
  }

  public Watch {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(initialPosition, "initialPosition");
    Objects.requireNonNull(source, "source");
    branches = List.copyOf(branches);
    if (branches.isEmpty()) {
      throw new IllegalArgumentException("a watch follows at least one branch");
    }
  }

  public String key() {
    return dev.floe.contracts.topic.Topics.tableKey(table);
  }
}
