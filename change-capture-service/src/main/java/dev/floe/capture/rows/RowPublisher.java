package dev.floe.capture.rows;

import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.icdc.TableRefs;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.kafka.common.KafkaException;
import org.jboss.logging.Logger;

/**
 * The row stream of captures that ask for it: reads a captured snapshot's row changes and turns
 * them into the events the capture loop sends in the same Kafka transaction as the snapshot's
 * {@code ChangeCaptured} and its consumed offset, so that a read-committed consumer sees each
 * snapshot's rows exactly once, whatever crashes.
 *
 * <p>A capture with {@code rowStreamSnapshot} starts its stream with the table's rows at the parent
 * of the first change it publishes, as {@code r} events in a transaction of their own, sent in the
 * same Kafka transaction as that change. Whether a stream has begun is read from Kafka itself: a
 * stream whose transactions topic or rows topic holds a committed event, or whose oldest events
 * were already deleted by retention, has begun. The answer is kept once the Kafka transaction that
 * began it has committed.
 *
 * <p>Used by the capture loop's thread only.
 */
public final class RowPublisher {
  private static final Logger LOG = Logger.getLogger(RowPublisher.class);

  private final Supplier<Catalog> catalogs;
  private final RowStream stream;
  private final Consumer<List<String>> topics;
  private final Predicate<String> begun;
  private final long snapshotMaxRows;
  private final Set<String> ready = new HashSet<>();
  private final Set<String> started = new HashSet<>();
  private final Set<String> startedInTransaction = new HashSet<>();

  /**
   * @param topics creates missing topics, or throws; called once per table before its first events
   * @param begun whether a topic holds committed events, or held some once
   * @param snapshotMaxRows the most rows an initial snapshot publishes in one Kafka transaction; a
   *     larger table's stream begins without one, saying so in the log
   */
  public RowPublisher(
      Supplier<Catalog> catalogs,
      RowStream stream,
      Consumer<List<String>> topics,
      Predicate<String> begun,
      long snapshotMaxRows) {
    this.catalogs = catalogs;
    this.stream = stream;
    this.topics = topics;
    this.begun = begun;
    this.snapshotMaxRows = snapshotMaxRows;
  }

  /**
   * The events of {@code committed}'s row changes (BEGIN, the changes, END), after the stream's
   * initial snapshot when it is the stream's first change and the capture asks for one.
   */
  public List<RowEvent> events(CaptureDefined capture, SnapshotCommitted committed) {
    TableRef ref = committed.table();
    String rowsTopic = Topics.rows(ref);
    String transactionsTopic = RowStream.transactionsTopic(capture);
    List<String> missing =
        Stream.of(rowsTopic, transactionsTopic).filter(t -> !ready.contains(t)).toList();
    if (!missing.isEmpty()) {
      try {
        topics.accept(missing);
      } catch (IllegalStateException e) {
        throw new KafkaException(e.getMessage(), e); // the broker: retried with back-off
      }
      ready.addAll(missing);
    }
    Table table = catalogs.get().loadTable(TableRefs.identifier(ref));
    Snapshot snapshot = table.snapshot(committed.snapshotId());
    if (snapshot == null) {
      throw new IllegalStateException(
          "snapshot " + committed.snapshotId() + " expired before its rows were read");
    }
    List<RowEvent> events = new ArrayList<>();
    boolean beginning = capture.rowStreamSnapshot() && !begun(transactionsTopic, rowsTopic);
    if (beginning) {
      events.addAll(initialSnapshot(capture, ref, table, snapshot));
    }
    events.addAll(
        stream.events(capture, ref, table, snapshot, RowChanges.of(table, snapshot.snapshotId())));
    if (beginning) {
      // Only once every event is read: a failure above sends none, and the next try begins again.
      startedInTransaction.add(transactionsTopic);
    }
    return events;
  }

  /** The Kafka transaction holding the events handed out since the last call committed. */
  public void committed() {
    started.addAll(startedInTransaction);
    startedInTransaction.clear();
  }

  /** The Kafka transaction holding the events handed out since the last call was aborted. */
  public void aborted() {
    startedInTransaction.clear();
  }

  /**
   * Whether the stream has begun: its transactions topic holds events, or its rows topic does,
   * which covers a stream whose capture was recreated or moved its transactions to another topic.
   */
  private boolean begun(String transactionsTopic, String rowsTopic) {
    if (started.contains(transactionsTopic) || startedInTransaction.contains(transactionsTopic)) {
      return true;
    }
    if (begun.test(transactionsTopic) || begun.test(rowsTopic)) {
      started.add(transactionsTopic);
      return true;
    }
    return false;
  }

  private List<RowEvent> initialSnapshot(
      CaptureDefined capture, TableRef ref, Table table, Snapshot first) {
    Long parentId = first.parentId();
    if (parentId == null) {
      return List.of(); // the table's first commit: there was nothing before it
    }
    Snapshot parent = table.snapshot(parentId);
    if (parent == null) {
      LOG.errorf(
          "capture %s: the row stream of %s begins without its initial snapshot: snapshot %d, the"
              + " parent of its first change, has expired",
          capture.captureId(), ref, parentId);
      return List.of();
    }
    long rows =
        Long.parseLong(parent.summary().getOrDefault(SnapshotSummary.TOTAL_RECORDS_PROP, "0"));
    if (rows > snapshotMaxRows) {
      LOG.errorf(
          "capture %s: the row stream of %s begins without its initial snapshot: %d rows is more"
              + " than floe.capture.row-snapshot-max-rows (%d)",
          capture.captureId(), ref, rows, snapshotMaxRows);
      return List.of();
    }
    LOG.infof(
        "capture %s: the row stream of %s begins with the %d rows of snapshot %d",
        capture.captureId(), ref, rows, parentId);
    return stream.events(capture, ref, table, parent, RowChanges.read(table, parentId));
  }
}
