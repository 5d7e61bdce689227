package dev.floe.contracts.event;

import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;

/** Events about one source table's history, on {@code floe.snapshots}, keyed by table. */
public sealed interface TableEvent extends Payload
    permits SnapshotCommitted,
        TableRolledBack,
        TableLineageDiverged,
        TableDropped,
        TableRecreated,
        SnapshotHistoryGap {

  TableRef table();

  @Override
  default String key() {
    return Topics.tableKey(table());
  }
}
