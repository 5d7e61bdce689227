package dev.floe.listener.publish;

import dev.floe.catalog.CatalogHandle;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.listener.lineage.LineageReader;
import dev.floe.listener.lineage.PollResult;
import dev.floe.listener.watch.Watch;
import java.time.Clock;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;

/** Polls a table of the catalog: loads it (a dropped table is null) and reads its lineage. */
public final class CatalogPoller implements TablePoller {
  private final CatalogHandle catalog;
  private final Clock clock;

  public CatalogPoller(CatalogHandle catalog, Clock clock) {
    this.catalog = catalog;
    this.clock = clock;
  }

  @Override
  public PollResult poll(Watch watch, ListenerCheckpoint checkpoint) {
    try {
      Table table;
      try {
        table =
            catalog
                .get()
                .loadTable(
                    TableIdentifier.of(
                        Namespace.of(watch.table().namespace().toArray(String[]::new)),
                        watch.table().name()));
      } catch (NoSuchTableException e) {
        table = null;
      }
      return LineageReader.read(watch, table, checkpoint, clock.instant());
    } catch (RuntimeException e) {
      return PollResult.failed(watch.key(), checkpoint, String.valueOf(e.getMessage()));
    }
  }
}
