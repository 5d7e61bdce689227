package dev.floe.contracts.event;

import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;

/**
 * The commit-listener's per-table checkpoints, on the compacted {@code floe.listener.checkpoints},
 * keyed by table. Written in the same Kafka transaction as the events they account for.
 */
public sealed interface CheckpointEvent extends Payload permits ListenerCheckpoint {

  TableRef table();

  @Override
  default String key() {
    return Topics.tableKey(table());
  }
}
