package dev.floe.contracts.event;

import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;

/**
 * Watch definitions, on the compacted {@code floe.watches}, keyed by table. A tombstone (null
 * value) removes the watch.
 */
public sealed interface WatchEvent extends Payload permits WatchDefined {

  TableRef table();

  @Override
  default String key() {
    return Topics.tableKey(table());
  }
}
