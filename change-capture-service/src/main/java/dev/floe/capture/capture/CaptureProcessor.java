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
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.PartitionRefs;
import dev.floe.icdc.TableRefs;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.exceptions.NoSuchTableException;
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

  /** How many changes' states the catalog commit of this one holds, this one included. */
  static final String GROUP_SIZE = IcdcStates.SUMMARY_PREFIX + "capture-group-size";

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
    return captureAll(capture, List.of(committed)).get(0);
  }

  /**
   * Captures snapshots of one table, in the order given (the order of their commits): the ICDC
   * states of all of them go in one catalog commit, or one per run of snapshots written with the
   * same schema, since a state is read with the schema current when it was committed. Each change
   * keeps its own tags, summary and event, exactly as when captured alone; high-water marks carry
   * from one to the next. Without pinning: the caller pins every {@link Outcome#pins()}.
   *
   * @return one outcome per snapshot, in the same order
   */
  public List<Outcome> captureAll(CaptureDefined capture, List<SnapshotCommitted> group) {
    Outcome[] outcomes = new Outcome[group.size()];
    Catalog catalog = catalogs.get();
    Map<TableRef, Table> sources = new HashMap<>();
    List<Map<String, String>> earlier = new ArrayList<>();
    Batch batch = null;
    for (int i = 0; i < group.size(); i++) {
      SnapshotCommitted committed = group.get(i);
      if (!capture.branch().equals(committed.branch())) {
        outcomes[i] = Outcome.skipped("branch " + committed.branch() + " is not captured");
        continue;
      }
      Table source;
      try {
        source =
            sources.computeIfAbsent(
                committed.table(), t -> catalog.loadTable(TableRefs.identifier(t)));
      } catch (NoSuchTableException e) {
        outcomes[i] = Outcome.skipped("the source table no longer exists");
        continue;
      }
      if (!source.uuid().toString().equals(committed.tableUuid())) {
        outcomes[i] = Outcome.skipped("the source table was re-created since");
        continue;
      }
      Snapshot snapshot = source.snapshot(committed.snapshotId());
      if (snapshot == null) {
        outcomes[i] =
            Outcome.lost("snapshot " + committed.snapshotId() + " expired before it was captured");
        continue;
      }
      ChangeSet change = ChangeReader.read(source, snapshot);
      if (!capture.changeKinds().contains(change.kind())) {
        outcomes[i] =
            new Outcome(
                null, change, "the capture does not take " + change.kind().wireName() + " changes");
        continue;
      }
      if (batch != null && !batch.takes(source, snapshot)) {
        batch.commit(capture, outcomes);
        batch = null;
      }
      if (batch == null) {
        Table icdc = IcdcTables.createOrLoad(catalog, capture, source, snapshot);
        batch = new Batch(earlier, source, snapshot.schemaId(), icdc);
      }
      batch.add(i, committed, change, capture);
    }
    if (batch != null) {
      batch.commit(capture, outcomes);
    }
    return List.of(outcomes);
  }

  /**
   * Snapshots of one table and schema whose states go in one catalog commit, and the summaries of
   * the changes before them in the group (their high-water marks carry on).
   */
  private final class Batch {
    private final List<Map<String, String>> earlier;
    private final List<Captured> changes = new ArrayList<>();
    private final Table source;
    private final Integer schemaId;
    private final Table icdc;

    /**
     * @param earlier the summaries of the group's changes before this batch, added to as it goes
     */
    Batch(List<Map<String, String>> earlier, Table source, Integer schemaId, Table icdc) {
      this.earlier = earlier;
      this.source = source;
      this.schemaId = schemaId;
      this.icdc = icdc;
    }

    boolean takes(Table other, Snapshot snapshot) {
      return other == source && Objects.equals(schemaId, snapshot.schemaId());
    }

    void add(int index, SnapshotCommitted committed, ChangeSet change, CaptureDefined capture) {
      Snapshot snapshot = source.snapshot(committed.snapshotId());
      Map<Integer, Object> previousMarks = Marks.before(icdc, earlier, snapshot);
      List<FieldBounds> bounds = ranges(capture, source, change);
      Marks.Next next = Marks.next(previousMarks, bounds);
      Map<String, String> summary =
          StateSummary.of(capture, source, snapshot, change, bounds, next.marks(), next.late());
      if (change.kind() != ChangeKind.REPLACE) {
        // A compaction records no state: the marks after it are those before it.
        earlier.add(summary);
      }
      changes.add(new Captured(index, committed, snapshot, change, bounds, summary, next.late()));
    }

    void commit(CaptureDefined capture, Outcome[] outcomes) {
      List<ChangeStates.Change> states = new ArrayList<>();
      for (Captured c : changes) {
        // A compaction changes no row: rows(S) = rows(parent) with both states empty, and none
        // is committed. A run over it reads its files from the source (RangeStates).
        if (c.change().kind() != ChangeKind.REPLACE) {
          long id = c.snapshot().snapshotId();
          states.add(
              new ChangeStates.Change(
                  c.change(),
                  IcdcStates.changeTag(id),
                  IcdcStates.removedTag(id),
                  IcdcStates.omittedTag(id),
                  c.summary()));
        }
      }
      Map<String, String> omitted = Map.of();
      if (!states.isEmpty()) {
        omitted = ChangeStates.commitChanges(icdc, source, states, capture.icdcTtl(), GROUP_SIZE);
        icdc.refresh();
      }
      for (Captured c : changes) {
        outcomes[c.index()] = outcome(capture, source, icdc, c, omitted);
      }
    }
  }

  /** A change of a batch, read and ranged, its states not committed yet. */
  private record Captured(
      int index,
      SnapshotCommitted committed,
      Snapshot snapshot,
      ChangeSet change,
      List<FieldBounds> bounds,
      Map<String, String> summary,
      boolean late) {}

  /** The event of a change whose states are committed (or omitted, saying why). */
  private Outcome outcome(
      CaptureDefined capture,
      Table source,
      Table icdc,
      Captured c,
      Map<String, String> omittedReasons) {
    Snapshot snapshot = c.snapshot();
    SnapshotCommitted committed = c.committed();
    SourcePins.Request pins = null;
    String statesOmitted = omittedReasons.get(IcdcStates.omittedTag(snapshot.snapshotId()));
    if (statesOmitted != null) {
      // Iceberg would refuse the states for good: the change goes out without them, saying why,
      // rather than not at all. Its snapshots are pinned all the same, for a job that reads the
      // change from the source.
      LOG.errorf(
          "capture %s: snapshot %d is published without states: %s",
          capture.captureId(), snapshot.snapshotId(), statesOmitted);
    }
    if (c.change().kind() != ChangeKind.REPLACE) {
      Set<Long> ids = new LinkedHashSet<>();
      ids.add(snapshot.snapshotId());
      if (snapshot.parentId() != null) {
        // The removed state reads data and delete files as the parent did, and a run starting at
        // this change forms its states over (parent, ...]. The parent is usually pinned already,
        // as the change before: then it costs no commit.
        ids.add(snapshot.parentId());
      }
      pins = new SourcePins.Request(capture.captureId(), ids, capture.pinTtl());
    }
    Optional<IcdcRef> added =
        IcdcStates.find(icdc, capture.icdcTable(), IcdcStates.changeTag(snapshot.snapshotId()));
    Optional<IcdcRef> removed =
        IcdcStates.find(icdc, capture.icdcTable(), IcdcStates.removedTag(snapshot.snapshotId()));
    Optional<IcdcRef> omitted =
        IcdcStates.find(icdc, capture.icdcTable(), IcdcStates.omittedTag(snapshot.snapshotId()));
    Optional<Snapshot> recorded =
        added.or(() -> removed).or(() -> omitted).map(r -> icdc.snapshot(r.snapshotId()));
    Instant capturedAt =
        recorded.map(r -> Instant.ofEpochMilli(r.timestampMillis())).orElse(clock.instant());
    boolean recordedLate =
        recorded.map(r -> Boolean.parseBoolean(r.summary().get(LATE))).orElse(c.late());
    ChangeCaptured event =
        new ChangeCaptured(
            capture.captureId(),
            committed.table(),
            committed.tableUuid(),
            SnapshotRange.single(snapshot.parentId(), snapshot.snapshotId()),
            c.change().kind(),
            c.change().stats(),
            added.orElse(null),
            removed.orElse(null),
            c.bounds().stream().map(FieldBounds::range).toList(),
            partitions(source, c.change()),
            recordedLate,
            committed.committedAt(),
            capturedAt,
            // A backfill's job marks its commits: downstream triggers suppress them by default.
            BackfillTag.fromSummary(snapshot.summary()),
            statesOmitted);
    return new Outcome(event, c.change(), null, pins);
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

  /** Every snapshot the capture pins on {@code source}, for metrics. */
  public static Collection<Long> pinned(Table source, String captureId) {
    return SourcePins.pinned(source, captureId);
  }
}
