package dev.floe.capture.rows;

import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * The row stream of captures that ask for it: reads a captured snapshot's row changes and turns
 * them into the events the capture loop sends in the same Kafka transaction as the snapshot's
 * {@code ChangeCaptured} and its consumed offset, so that a read-committed consumer sees each
 * snapshot's rows exactly once, whatever crashes.
 *
 * <p>Used by the capture loop's thread only.
 */
public final class RowPublisher {
  private final Supplier<Catalog> catalogs;
  private final RowStream stream;
  private final Consumer<List<String>> topics;
  private final Set<String> ready = new HashSet<>();

  /**
   * @param topics creates missing topics, or throws; called once per table before its first events
   */
  public RowPublisher(Supplier<Catalog> catalogs, RowStream stream, Consumer<List<String>> topics) {
    this.catalogs = catalogs;
    this.stream = stream;
    this.topics = topics;
  }

  /** The events of {@code committed}'s row changes: BEGIN, the changes, END. */
  public List<RowEvent> events(CaptureDefined capture, SnapshotCommitted committed) {
    TableRef ref = committed.table();
    String rowsTopic = Topics.rows(ref);
    if (!ready.contains(rowsTopic)) {
      topics.accept(List.of(rowsTopic, Topics.rowTransactions(ref)));
      ready.add(rowsTopic);
    }
    Table table =
        catalogs
            .get()
            .loadTable(
                TableIdentifier.of(
                    Namespace.of(ref.namespace().toArray(String[]::new)), ref.name()));
    Snapshot snapshot = table.snapshot(committed.snapshotId());
    if (snapshot == null) {
      throw new IllegalStateException(
          "snapshot " + committed.snapshotId() + " expired before its rows were read");
    }
    return stream.events(
        capture.captureId(), ref, table, snapshot, RowChanges.of(table, snapshot.snapshotId()));
  }
}
