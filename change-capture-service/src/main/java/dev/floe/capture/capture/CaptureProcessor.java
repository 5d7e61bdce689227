package dev.floe.capture.capture;

import dev.floe.capture.change.ChangeReader;
import dev.floe.capture.change.ChangeSet;
import dev.floe.capture.icdc.ChangeStates;
import dev.floe.capture.pin.SourcePins;
import dev.floe.capture.range.ExactRanges;
import dev.floe.capture.range.RangeCalculator;
import dev.floe.capture.range.RangeCalculator.FieldBounds;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.PartitionRef;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.icdc.Bounds;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.PartitionRefs;
import dev.floe.icdc.TableRefs;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Type;
import org.jboss.logging.Logger;

/**
 * Captures one source snapshot for one capture: reads the change from the snapshot's manifests,
 * commits its ICDC states (what it added, what it removed), pins the source snapshots they need,
 * and describes it as a {@link ChangeCaptured}.
 *
 * <p>Idempotent: the states are committed once under tags named after the source snapshot, and
 * everything in the event is derived from metadata, so capturing a snapshot again (after a crash
 * between the ICDC commit and the event) yields the same event and commits nothing.
 *
 * <p>Thread-safe; holds no state.
 */
public final class CaptureProcessor {
  static final String CAPTURE_ID = IcdcStates.SUMMARY_PREFIX + "capture-id";
  static final String SOURCE_SNAPSHOT = IcdcStates.SUMMARY_PREFIX + "source-snapshot-id";
  static final String SOURCE_PARENT = IcdcStates.SUMMARY_PREFIX + "source-parent-snapshot-id";
  static final String SOURCE_SEQUENCE = IcdcStates.SUMMARY_PREFIX + "source-sequence-number";
  static final String SOURCE_COMMITTED = IcdcStates.SUMMARY_PREFIX + "source-committed-at-ms";
  static final String SOURCE_UUID = IcdcStates.SUMMARY_PREFIX + "source-table-uuid";
  static final String KIND = IcdcStates.SUMMARY_PREFIX + "change-kind";
  static final String LATE = IcdcStates.SUMMARY_PREFIX + "late-data";
  static final String HWM = IcdcStates.SUMMARY_PREFIX + "hwm.";
  private static final Logger LOG = Logger.getLogger(CaptureProcessor.class);

  /**
   * What became of a snapshot.
   *
   * @param pins the source snapshots the change's states depend on, to pin before the event is
   *     published; empty when nothing needs pinning
   * @param lost the snapshot was gone from the table's metadata: its change can never be captured
   */
  public record Outcome(
      ChangeCaptured event,
      ChangeSet change,
      String skipped,
      SourcePins.Request pins,
      boolean lost) {
    Outcome(ChangeCaptured event, ChangeSet change, String skipped) {
      this(event, change, skipped, null, false);
    }

    Outcome(ChangeCaptured event, ChangeSet change, String skipped, SourcePins.Request pins) {
      this(event, change, skipped, pins, false);
    }

    static Outcome skipped(String why) {
      return new Outcome(null, null, why);
    }

    static Outcome lost(String why) {
      return new Outcome(null, null, why, null, true);
    }

    public boolean published() {
      return event != null;
    }
  }

  private final Supplier<Catalog> catalogs;
  private final Clock clock;

  /**
   * @param catalogs the catalog, asked for on each capture: it may be down at start-up, and then
   *     throws a transient failure
   */
  public CaptureProcessor(Supplier<Catalog> catalogs, Clock clock) {
    this.catalogs = catalogs;
    this.clock = clock;
  }

  /** Captures a snapshot and pins the source snapshots its states depend on. */
  public Outcome process(CaptureDefined capture, SnapshotCommitted committed) {
    Outcome outcome = capture(capture, committed);
    if (outcome.pins() != null) {
      pin(committed, List.of(outcome.pins()));
    }
    return outcome;
  }

  /**
   * Pins, in one metadata commit on the source, what several captures of one snapshot asked for:
   * however many captures a table has, Floe adds one commit per captured snapshot at most.
   */
  public void pin(SnapshotCommitted committed, List<SourcePins.Request> requests) {
    if (requests.isEmpty()) {
      return;
    }
    Table source;
    try {
      source = catalogs.get().loadTable(TableRefs.identifier(committed.table()));
    } catch (NoSuchTableException e) {
      return; // dropped since: nothing left to pin
    }
    SourcePins.pin(source, requests);
  }

  /**
   * Captures a snapshot: commits its ICDC states and builds its event, without pinning; the caller
   * pins {@link Outcome#pins()} before it publishes the event.
   */
  public Outcome capture(CaptureDefined capture, SnapshotCommitted committed) {
    if (!capture.branch().equals(committed.branch())) {
      return Outcome.skipped("branch " + committed.branch() + " is not captured");
    }
    Catalog catalog = catalogs.get();
    Table source;
    try {
      source = catalog.loadTable(TableRefs.identifier(committed.table()));
    } catch (NoSuchTableException e) {
      return Outcome.skipped("the source table no longer exists");
    }
    if (!source.uuid().toString().equals(committed.tableUuid())) {
      return Outcome.skipped("the source table was re-created since");
    }
    Snapshot snapshot = source.snapshot(committed.snapshotId());
    if (snapshot == null) {
      return Outcome.lost("snapshot " + committed.snapshotId() + " expired before it was captured");
    }
    ChangeSet change = ChangeReader.read(source, snapshot);
    if (!capture.changeKinds().contains(change.kind())) {
      return new Outcome(
          null, change, "the capture does not take " + change.kind().wireName() + " changes");
    }
    Table icdc = IcdcTables.createOrLoad(catalog, capture, source, snapshot);

    Map<Integer, Object> previousMarks = highWaterMarks(icdc, capture, snapshot);
    List<FieldBounds> bounds = ranges(capture, source, change);
    boolean late = false;
    Map<Integer, Object> marks = new HashMap<>(previousMarks);
    for (FieldBounds b : bounds) {
      if (b.min() == null) {
        continue;
      }
      int id = b.range().fieldId();
      Comparator<Object> order = order(b.type());
      Object mark = previousMarks.get(id);
      if (mark != null && eventTime(b.type()) && order.compare(b.min(), mark) < 0) {
        late = true;
      }
      marks.put(id, mark == null || order.compare(b.max(), mark) > 0 ? b.max() : mark);
    }

    String addedTag = IcdcStates.changeTag(snapshot.snapshotId());
    String removedTag = IcdcStates.removedTag(snapshot.snapshotId());
    SourcePins.Request pins = null;
    String statesOmitted = null;
    // A compaction changes no row: rows(S) = rows(parent) with both states empty, and none is
    // committed. A run over it reads its files from the source (RangeStates).
    if (change.kind() != ChangeKind.REPLACE) {
      statesOmitted =
          ChangeStates.commitChange(
              icdc,
              source,
              change,
              addedTag,
              removedTag,
              IcdcStates.omittedTag(snapshot.snapshotId()),
              summary(capture, source, snapshot, change, bounds, marks, late),
              capture.icdcTtl());
      if (statesOmitted != null) {
        // Iceberg would refuse the states for good: the change goes out without them, saying
        // why, rather than not at all. Its snapshots are pinned all the same, for a job that
        // reads the change from the source.
        LOG.errorf(
            "capture %s: snapshot %d is published without states: %s",
            capture.captureId(), snapshot.snapshotId(), statesOmitted);
      }
      Set<Long> ids = new LinkedHashSet<>();
      ids.add(snapshot.snapshotId());
      if (snapshot.parentId() != null) {
        // The removed state reads data and delete files as the parent did, and a run starting at
        // this change forms its states over (parent, ...]. The parent is usually pinned already,
        // as the change before: then it costs no commit.
        ids.add(snapshot.parentId());
      }
      pins = new SourcePins.Request(capture.captureId(), ids, capture.pinTtl());
      icdc.refresh();
    }
    Optional<IcdcRef> added = IcdcStates.find(icdc, capture.icdcTable(), addedTag);
    Optional<IcdcRef> removed = IcdcStates.find(icdc, capture.icdcTable(), removedTag);
    Optional<IcdcRef> omitted =
        IcdcStates.find(icdc, capture.icdcTable(), IcdcStates.omittedTag(snapshot.snapshotId()));
    Instant capturedAt =
        added
            .or(() -> removed)
            .or(() -> omitted)
            .map(r -> Instant.ofEpochMilli(icdc.snapshot(r.snapshotId()).timestampMillis()))
            .orElse(clock.instant());
    boolean recordedLate =
        added
            .or(() -> removed)
            .or(() -> omitted)
            .map(r -> Boolean.parseBoolean(icdc.snapshot(r.snapshotId()).summary().get(LATE)))
            .orElse(late);
    ChangeCaptured event =
        new ChangeCaptured(
            capture.captureId(),
            committed.table(),
            committed.tableUuid(),
            SnapshotRange.single(snapshot.parentId(), snapshot.snapshotId()),
            change.kind(),
            change.stats(),
            added.orElse(null),
            removed.orElse(null),
            bounds.stream().map(FieldBounds::range).toList(),
            partitions(source, change),
            recordedLate,
            committed.committedAt(),
            capturedAt,
            // A backfill's job marks its commits: downstream triggers suppress them by default.
            BackfillTag.fromSummary(snapshot.summary()),
            statesOmitted);
    return new Outcome(event, change, null, pins);
  }

  private List<FieldBounds> ranges(CaptureDefined capture, Table source, ChangeSet change) {
    // A removed delete file changes no row: the rows it deleted were gone before, and it is removed
    // with its data files or by a compaction. Only added files and removed data files have ranges.
    List<ContentFile<?>> files = new ArrayList<>(change.addedData());
    files.addAll(change.addedDeletes());
    files.addAll(change.removedData());
    Map<Integer, Object[]> read = Map.of();
    if (capture.exactRanges() && !capture.trackedFields().isEmpty()) {
      List<DataFile> data = new ArrayList<>(change.addedData());
      data.addAll(change.removedData());
      ExactRanges.Result exact = ExactRanges.read(source, capture.trackedFields(), data);
      read = exact.bounds();
      files.removeAll(exact.read());
    }
    return RangeCalculator.bounds(source, capture.trackedFields(), files, read);
  }

  /**
   * The high-water marks before {@code snapshot}: those recorded by the capture's latest state of
   * an earlier source snapshot. Recomputing them for a snapshot captured before gives the same.
   */
  private static Map<Integer, Object> highWaterMarks(
      Table icdc, CaptureDefined capture, Snapshot snapshot) {
    Map<String, String> latest = null;
    long latestOrder = Long.MIN_VALUE;
    for (var ref : icdc.refs().entrySet()) {
      String name = ref.getKey();
      if (!name.startsWith(IcdcStates.CHANGE_PREFIX)
          && !name.startsWith(IcdcStates.REMOVED_PREFIX)
          && !name.startsWith(IcdcStates.OMITTED_PREFIX)) {
        continue;
      }
      Map<String, String> summary = icdc.snapshot(ref.getValue().snapshotId()).summary();
      long order = order(summary);
      if (order < order(snapshot) && order > latestOrder) {
        latest = summary;
        latestOrder = order;
      }
    }
    Map<Integer, Object> marks = new HashMap<>();
    if (latest != null) {
      for (Map.Entry<String, String> e : latest.entrySet()) {
        if (e.getKey().startsWith(HWM)) {
          int fieldId = Integer.parseInt(e.getKey().substring(HWM.length()));
          Type type = icdc.schema().findType(fieldId);
          if (type != null && type.isPrimitiveType()) {
            marks.put(fieldId, Bounds.deserialize(type.asPrimitiveType(), e.getValue()));
          }
        }
      }
    }
    return marks;
  }

  /** Orders source snapshots: by sequence number, then commit time (format v1 has no sequence). */
  private static long order(Map<String, String> summary) {
    return Long.parseLong(summary.getOrDefault(SOURCE_SEQUENCE, "0")) * 1_000_000_000_000_000L
        + Long.parseLong(summary.getOrDefault(SOURCE_COMMITTED, "0")) % 1_000_000_000_000_000L;
  }

  private static long order(Snapshot snapshot) {
    return snapshot.sequenceNumber() * 1_000_000_000_000_000L
        + snapshot.timestampMillis() % 1_000_000_000_000_000L;
  }

  private static Map<String, String> summary(
      CaptureDefined capture,
      Table source,
      Snapshot snapshot,
      ChangeSet change,
      List<FieldBounds> bounds,
      Map<Integer, Object> marks,
      boolean late) {
    Map<String, String> summary = new LinkedHashMap<>();
    summary.put(CAPTURE_ID, capture.captureId());
    summary.put(SOURCE_UUID, source.uuid().toString());
    summary.put(SOURCE_SNAPSHOT, Long.toString(snapshot.snapshotId()));
    if (snapshot.parentId() != null) {
      summary.put(SOURCE_PARENT, Long.toString(snapshot.parentId()));
    }
    summary.put(SOURCE_SEQUENCE, Long.toString(snapshot.sequenceNumber()));
    summary.put(SOURCE_COMMITTED, Long.toString(snapshot.timestampMillis()));
    summary.put(KIND, change.kind().wireName());
    summary.put(LATE, Boolean.toString(late));
    for (FieldBounds b : bounds) {
      Object mark = marks.get(b.range().fieldId());
      if (b.type() != null && mark != null) {
        summary.put(HWM + b.range().fieldId(), Bounds.serialize(b.type(), mark));
      }
    }
    return summary;
  }

  /** The partitions the change touched, added and removed files alike, in a stable order. */
  static List<PartitionRef> partitions(Table source, ChangeSet change) {
    Map<String, PartitionRef> touched = new java.util.TreeMap<>();
    change
        .allFiles()
        .forEach(
            file -> {
              PartitionRef ref = PartitionRefs.of(source.specs().get(file.specId()), file);
              touched.putIfAbsent(file.specId() + "/" + ref.path(), ref);
            });
    return List.copyOf(touched.values());
  }

  /** Late data is about event time: only date and timestamp fields decide it. */
  private static boolean eventTime(Type.PrimitiveType type) {
    return switch (type.typeId()) {
      case DATE, TIMESTAMP, TIMESTAMP_NANO -> true;
      default -> false;
    };
  }

  @SuppressWarnings("unchecked")
  private static Comparator<Object> order(Type.PrimitiveType type) {
    return (Comparator<Object>) Comparators.forType(type);
  }

  /** Every snapshot the capture pins on {@code source}, for metrics. */
  public static Collection<Long> pinned(Table source, String captureId) {
    return SourcePins.pinned(source, captureId);
  }
}
