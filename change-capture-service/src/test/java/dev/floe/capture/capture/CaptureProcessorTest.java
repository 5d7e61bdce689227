package dev.floe.capture.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.capture.IcdcOracle;
import dev.floe.capture.pin.SourcePins;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.RefCommits;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.Events;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.ChangelogOperation;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Capture of single snapshots on real tables of a real catalog, against Iceberg's own scans. */
@Tag("unit")
class CaptureProcessorTest {
  private static final OffsetDateTime DAY1 =
      OffsetDateTime.of(2026, 11, 20, 0, 0, 0, 0, ZoneOffset.UTC);
  private static CatalogFixture fixture;
  private static TableWriter writer;

  private String name;
  private Table source;
  private CaptureDefined capture;
  private CaptureProcessor processor;
  private long nextOrder = 1;

  @BeforeAll
  static void catalog() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("capture"));
    writer = new TableWriter(fixture.catalog());
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  @BeforeEach
  void source() {
    name = "t_" + UUID.randomUUID().toString().substring(0, 8);
    source = writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    capture = capture(false, List.of("order_ts", "amount", "status", "order_id"));
    processor = new CaptureProcessor(fixture::catalog, Clock.systemUTC());
  }

  private CaptureDefined capture(boolean exact, List<String> fields) {
    return capture(exact ? "exact" : null, exact, fields);
  }

  /** A capture of the test's source, under an id and ICDC table of its own when {@code suffix}. */
  private CaptureDefined capture(String suffix, boolean exact, List<String> fields) {
    String own = suffix == null ? "" : "_" + suffix;
    return new CaptureDefined(
        "cap_" + name + own,
        new TableRef(fixture.name(), List.of("src"), name),
        "main",
        fields,
        Arrays.asList(ChangeKind.values()),
        new TableRef(fixture.name(), List.of("floe_icdc"), "src__" + name + own.replace("_", "__")),
        Duration.ZERO,
        Duration.ofDays(7),
        Duration.ofDays(3),
        exact,
        false,
        false,
        null,
        null,
        "test",
        Instant.now());
  }

  private List<Record> orders(int n, OffsetDateTime day, String status) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(
          Orders.order(
              source,
              nextOrder++,
              "eu-west",
              status,
              BigDecimal.valueOf(100 + i, 2),
              day.plusMinutes(7L * i)));
    }
    return rows;
  }

  private SnapshotCommitted committed(Snapshot s) {
    return Events.committed(capture.table(), source, s);
  }

  private ChangeCaptured capture(Snapshot s) {
    return processor.process(capture, committed(s)).event();
  }

  private Table icdc() {
    return fixture.catalog().loadTable(IcdcTables.identifier(capture));
  }

  /** Every file under a location of the local warehouse. */
  static List<String> filesUnder(String location) {
    try (var files =
        java.nio.file.Files.walk(java.nio.file.Path.of(java.net.URI.create(location)))) {
      return files.filter(java.nio.file.Files::isRegularFile).map(Object::toString).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long count(Iterable<?> items) {
    return java.util.stream.StreamSupport.stream(items.spliterator(), false).count();
  }

  private static FieldRange range(ChangeCaptured event, String field) {
    return event.ranges().stream().filter(r -> r.field().equals(field)).findFirst().orElseThrow();
  }

  @Test
  void anAppendIsReadableZeroCopyAndEqualsTheIncrementalAppendScan() {
    writer.append(source, orders(3, DAY1, "NEW"));
    Snapshot s = writer.append(source, orders(5, DAY1.plusDays(1), "PAID"));

    ChangeCaptured event = capture(s);

    assertThat(event.kind()).isEqualTo(ChangeKind.APPEND);
    assertThat(event.removedIcdc()).isNull();
    assertThat(IcdcOracle.rows(icdc(), event.icdc().snapshotId()))
        .hasSize(5)
        .isEqualTo(IcdcOracle.appended(source, s.parentId(), s.snapshotId()));
    assertThat(event.stats().addedRecords()).isEqualTo(5);
    assertThat(event.stats().addedDataFiles()).isEqualTo(1);
    assertThat(event.partitions())
        .singleElement()
        .satisfies(p -> assertThat(p.path()).isEqualTo("order_ts_day=2026-11-21"));
    assertThat(event.icdc().ref()).isEqualTo("change-" + s.snapshotId());
  }

  @Test
  void aCommitMarkedByABackfillJobIsTaggedWithItsBackfillAndChunk() {
    ChangeCaptured plain = capture(writer.append(source, orders(1, DAY1, "NEW")));
    var append = source.newAppend();
    writer.writeDataFiles(source, orders(2, DAY1, "NEW")).forEach(append::appendFile);
    new BackfillTag("bf-1", "2026-11-21", true).summary().forEach(append::set);
    append.commit();

    ChangeCaptured marked = capture(source.currentSnapshot());

    assertThat(plain.backfill()).isNull();
    assertThat(marked.backfill()).isEqualTo(new BackfillTag("bf-1", "2026-11-21", true));
  }

  @Test
  void theIcdcTableKeepsTheSourcesFieldIdsAndSpecsAndWritesNoData() {
    writer.evolveSchema(source, u -> u.addColumn("channel", Types.StringType.get()));
    Record row = orders(1, DAY1, "NEW").get(0);
    row.setField("channel", "web");
    Snapshot s = writer.append(source, List.of(row));

    ChangeCaptured event = capture(s);

    Table icdc = icdc();
    assertThat(icdc.schema().sameSchema(source.schema())).isTrue();
    assertThat(icdc.schema().findField("channel").fieldId())
        .isEqualTo(source.schema().findField("channel").fieldId());
    assertThat(icdc.specs().keySet()).containsAll(source.specs().keySet());
    assertThat(icdc.spec().compatibleWith(source.spec())).isTrue();
    assertThat(icdc.properties()).containsEntry("gc.enabled", "false");
    List<String> referenced = new ArrayList<>();
    icdc.snapshot(event.icdc().snapshotId())
        .addedDataFiles(icdc.io())
        .forEach(f -> referenced.add(f.location()));
    List<String> sourceFiles = new ArrayList<>();
    s.addedDataFiles(source.io()).forEach(f -> sourceFiles.add(f.location()));
    assertThat(referenced).isEqualTo(sourceFiles);
    assertThat(filesUnder(icdc.location())).allMatch(path -> path.contains("/metadata/"));
    assertThat(IcdcOracle.rows(icdc, event.icdc().snapshotId()))
        .singleElement()
        .asString()
        .contains("web");
  }

  @Test
  void anOverwriteHasAnAddedAndARemovedStateThatEqualTheChangelogScan() {
    writer.append(source, orders(4, DAY1, "NEW"));
    Snapshot s =
        writer.overwrite(
            source,
            Expressions.equal(Expressions.day("order_ts"), (int) DAY1.toLocalDate().toEpochDay()),
            orders(2, DAY1, "PAID"));

    ChangeCaptured event = capture(s);

    assertThat(event.kind()).isEqualTo(ChangeKind.OVERWRITE);
    assertThat(IcdcOracle.rows(icdc(), event.icdc().snapshotId()))
        .hasSize(2)
        .isEqualTo(
            IcdcOracle.changelog(source, s.parentId(), s.snapshotId(), ChangelogOperation.INSERT));
    assertThat(IcdcOracle.rows(icdc(), event.removedIcdc().snapshotId()))
        .hasSize(4)
        .isEqualTo(
            IcdcOracle.changelog(source, s.parentId(), s.snapshotId(), ChangelogOperation.DELETE));
    assertThat(event.stats().removedRecords()).isEqualTo(4);
  }

  @Test
  void aFileDeleteHasOnlyARemovedState() {
    writer.append(source, orders(3, DAY1, "NEW"));
    Snapshot s =
        writer.deleteFiles(
            source,
            Expressions.equal(Expressions.day("order_ts"), (int) DAY1.toLocalDate().toEpochDay()));

    ChangeCaptured event = capture(s);

    assertThat(event.kind()).isEqualTo(ChangeKind.DELETE);
    assertThat(event.icdc()).isNull();
    assertThat(IcdcOracle.rows(icdc(), event.removedIcdc().snapshotId()))
        .isEqualTo(
            IcdcOracle.changelog(source, s.parentId(), s.snapshotId(), ChangelogOperation.DELETE));
  }

  @Test
  void rowLevelDeletesCarryTheirDeleteFiles() {
    writer.append(source, orders(4, DAY1, "CANCELLED"));
    Snapshot byPosition = writer.deleteRowsByPosition(source, Expressions.equal("order_id", 2L));
    Snapshot byEquality = writer.deleteRowsByEquality(source, "order_id", List.of(3L));

    ChangeCaptured positions = capture(byPosition);
    ChangeCaptured equalities = capture(byEquality);

    assertThat(positions.kind()).isEqualTo(ChangeKind.ROW_DELETE);
    assertThat(positions.stats().addedPositionDeletes()).isEqualTo(1);
    assertThat(equalities.stats().addedEqualityDeletes()).isEqualTo(1);
    Table icdc = icdc();
    List<String> carried = new ArrayList<>();
    icdc.snapshot(positions.icdc().snapshotId())
        .addedDeleteFiles(icdc.io())
        .forEach(f -> carried.add(f.location()));
    List<String> written = new ArrayList<>();
    byPosition.addedDeleteFiles(source.io()).forEach(f -> written.add(f.location()));
    assertThat(carried).isEqualTo(written);
    assertThat(range(positions, "order_ts").exactness()).isEqualTo(Exactness.TRUNCATED);
  }

  /**
   * A table upgraded from format 2 to 3 after its capture began: its position deletes become
   * deletion vectors, which a format-2 table refuses for good. The ICDC table is upgraded by the
   * first state that holds a vector, not before: a change from before the upgrade, captured after
   * it (a capture that lags), still has its format-2 position deletes taken.
   */
  @Test
  void aSourceUpgradedToFormat3KeepsBeingCapturedWithItsDeletionVectors() {
    capture(writer.append(source, orders(4, DAY1, "NEW")));
    Snapshot second = writer.append(source, orders(4, DAY1.plusDays(1), "NEW"));
    Snapshot positions = writer.deleteRowsByPosition(source, Expressions.equal("order_id", 1L));
    source.updateProperties().set(TableProperties.FORMAT_VERSION, "3").commit();
    Snapshot vector = writer.deleteRowsByVector(source, Expressions.equal("order_id", 6L));

    ChangeCaptured late = capture(second);
    ChangeCaptured lagging = capture(positions);
    assertThat(formatVersion(icdc())).as("no vector in a state yet").isEqualTo(2);
    ChangeCaptured change = capture(vector);

    assertThat(late.icdc()).isNotNull();
    assertThat(lagging.removedIcdc()).as("the pre-upgrade change's removed state").isNotNull();
    assertThat(lagging.statesOmitted()).isNull();
    assertThat(change.kind()).isEqualTo(ChangeKind.ROW_DELETE);
    assertThat(change.statesOmitted()).isNull();
    Table icdc = icdc();
    assertThat(formatVersion(icdc)).isEqualTo(3);
    List<String> carried = new ArrayList<>();
    icdc.snapshot(change.icdc().snapshotId())
        .addedDeleteFiles(icdc.io())
        .forEach(f -> carried.add(f.location() + "@" + f.contentOffset()));
    List<String> written = new ArrayList<>();
    vector
        .addedDeleteFiles(source.io())
        .forEach(f -> written.add(f.location() + "@" + f.contentOffset()));
    assertThat(written).hasSize(1);
    assertThat(carried).isEqualTo(written);
  }

  /**
   * A source created at format 1 and upgraded to 2: its ICDC table, registered at format 1, takes
   * format 2 with the first state that holds a delete file.
   */
  @Test
  void aFormat1SourceUpgradedTo2HasItsDeletesCaptured() {
    fixture
        .catalog()
        .dropTable(TableIdentifier.of("src", name), false); // the source, made again at format 1
    source =
        fixture
            .catalog()
            .buildTable(TableIdentifier.of("src", name), Orders.SCHEMA)
            .withPartitionSpec(Orders.BY_DAY)
            .withProperty(TableProperties.FORMAT_VERSION, "1")
            .create();
    capture(writer.append(source, orders(3, DAY1, "NEW")));
    assertThat(formatVersion(icdc())).isEqualTo(1);
    source.updateProperties().set(TableProperties.FORMAT_VERSION, "2").commit();

    ChangeCaptured change =
        capture(writer.deleteRowsByPosition(source, Expressions.equal("order_id", 1L)));

    assertThat(change.statesOmitted()).isNull();
    assertThat(change.icdc()).isNotNull();
    assertThat(formatVersion(icdc())).isEqualTo(2);
  }

  private static int formatVersion(Table table) {
    return ((HasTableOperations) table).operations().current().formatVersion();
  }

  /**
   * After an upgrade to format 3, a data file may keep the format-2 position deletes it had; an
   * update of one of its rows replaces them with a deletion vector. The removed state would need
   * them, and Iceberg refuses to add format-2 position deletes to a format-3 table: the change is
   * published without states, saying why, and pinned; the next change has its states again.
   */
  @Test
  void aChangeWhoseStatesIcebergRefusesIsPublishedWithoutThemSayingWhy() {
    capture(writer.append(source, orders(4, DAY1, "NEW")));
    capture(writer.deleteRowsByPosition(source, Expressions.equal("order_id", 1L)));
    source.updateProperties().set(TableProperties.FORMAT_VERSION, "3").commit();
    Snapshot update =
        writer.updateRows(
            source,
            Expressions.equal("order_id", 2L),
            r -> {
              r.setField("status", "SHIPPED");
              r.setField("order_ts", DAY1.plusDays(5)); // raises the high-water mark
              return r;
            });

    ChangeCaptured change = capture(update);

    assertThat(change.icdc()).isNull();
    assertThat(change.removedIcdc()).isNull();
    assertThat(change.statesOmitted())
        .startsWith("a format-3 table takes no format-2 position deletes")
        .contains("pos-deletes");
    Table icdc = icdc();
    assertThat(icdc.refs())
        .doesNotContainKeys(
            IcdcStates.changeTag(update.snapshotId()), IcdcStates.removedTag(update.snapshotId()))
        .containsKey(IcdcStates.omittedTag(update.snapshotId()));
    // The change is recorded all the same: its high-water marks, for the next change's late data.
    assertThat(IcdcStates.summary(icdc, IcdcStates.omittedTag(update.snapshotId())).orElseThrow())
        .containsEntry(IcdcStates.OMITTED_REASON, change.statesOmitted())
        .containsKey(CaptureProcessor.HWM + Orders.SCHEMA.findField("order_ts").fieldId());
    assertThat(
            SourcePins.pinned(
                fixture.catalog().loadTable(TableIdentifier.of("src", name)), capture.captureId()))
        .as("the change's snapshots, pinned")
        .contains(update.snapshotId(), update.parentId());
    assertThat(capture(update)).as("captured again: the same event").isEqualTo(change);

    ChangeCaptured next = capture(writer.append(source, orders(2, DAY1.plusDays(1), "NEW")));
    assertThat(next.icdc()).isNotNull();
    assertThat(next.statesOmitted()).isNull();
    assertThat(next.lateData()).as("below the omitted change's high-water mark").isTrue();
  }

  @Test
  void aCompactionIsPublishedAsReplaceWithoutAnIcdcState() {
    writer.append(source, orders(2, DAY1, "NEW"));
    writer.append(source, orders(2, DAY1, "NEW"));
    Snapshot s = writer.compact(source);

    ChangeCaptured event = capture(s);

    assertThat(event.kind()).isEqualTo(ChangeKind.REPLACE);
    assertThat(event.icdc()).isNull();
    assertThat(event.removedIcdc()).isNull();
    assertThat(event.stats().addedRecords()).isEqualTo(event.stats().removedRecords());
  }

  @Test
  void metadataRangesOfNumbersAndTimestampsAreExactAndRight() {
    Snapshot s = writer.append(source, orders(6, DAY1.plusHours(3), "SHIPPED"));

    ChangeCaptured event = capture(s);

    FieldRange ts = range(event, "order_ts");
    assertThat(ts.exactness()).isEqualTo(Exactness.EXACT);
    assertThat(ts.min()).isEqualTo(DAY1.plusHours(3).toInstant().toString());
    assertThat(ts.max()).isEqualTo(DAY1.plusHours(3).plusMinutes(35).toInstant().toString());
    assertThat(range(event, "amount").min()).isEqualTo("1.00");
    assertThat(range(event, "amount").max()).isEqualTo("1.05");
    assertThat(range(event, "status"))
        .satisfies(
            r -> {
              assertThat(r.exactness()).isEqualTo(Exactness.EXACT);
              assertThat(r.min()).isEqualTo("SHIPPED");
            });
  }

  @Test
  void longStringsAreTruncatedInMetadataAndExactWhenRead() {
    String longStatus = "SHIPPED-TO-A-VERY-DISTANT-WAREHOUSE";
    Snapshot s = writer.append(source, orders(2, DAY1, longStatus));

    ChangeCaptured fromMetadata = capture(s);
    capture = capture(true, List.of("status"));
    ChangeCaptured read = capture(s);

    assertThat(range(fromMetadata, "status").exactness()).isEqualTo(Exactness.TRUNCATED);
    assertThat(range(read, "status").exactness()).isEqualTo(Exactness.EXACT);
    assertThat(range(read, "status").min()).isEqualTo(longStatus);
    assertThat(IcdcOracle.rows(icdc(), read.icdc().snapshotId())).hasSize(2);
  }

  @Test
  void dataOlderThanTheHighWaterMarkIsFlaggedLate() {
    ChangeCaptured recent = capture(writer.append(source, orders(2, DAY1.plusDays(2), "NEW")));
    ChangeCaptured late = capture(writer.append(source, orders(2, DAY1, "NEW")));
    ChangeCaptured newer = capture(writer.append(source, orders(2, DAY1.plusDays(3), "NEW")));

    assertThat(recent.lateData()).isFalse();
    assertThat(late.lateData()).isTrue();
    assertThat(newer.lateData()).isFalse();
  }

  @Test
  void capturingASnapshotAgainCommitsNothingAndGivesTheSameEvent() {
    Snapshot s = writer.append(source, orders(2, DAY1, "NEW"));
    ChangeCaptured first = capture(s);
    long snapshots = count(icdc().snapshots());

    ChangeCaptured again = capture(s);

    assertThat(again).isEqualTo(first);
    assertThat(count(icdc().snapshots())).isEqualTo(snapshots);
  }

  @Test
  void capturedSnapshotsArePinnedOnTheSourceWithoutNewSnapshots() {
    writer.append(source, orders(2, DAY1, "NEW"));
    Snapshot s = writer.overwrite(source, Expressions.alwaysTrue(), orders(1, DAY1, "PAID"));
    long sourceSnapshots = count(source.snapshots());

    capture(s);

    Table reloaded = fixture.catalog().loadTable(TableIdentifier.of("src", name));
    assertThat(SourcePins.pinned(reloaded, capture.captureId()))
        .containsExactlyInAnyOrder(s.snapshotId(), s.parentId());
    assertThat(count(reloaded.snapshots())).isEqualTo(sourceSnapshots);
  }

  @Test
  void severalCapturesOfASnapshotPinItInOneSourceCommit() {
    Snapshot s = writer.append(source, orders(2, DAY1, "NEW"));
    CaptureDefined other = capture(true, List.of("order_ts"));
    List<SourcePins.Request> pins = new ArrayList<>();
    for (CaptureDefined c : List.of(capture, other)) {
      CaptureProcessor.Outcome outcome = processor.capture(c, committed(s));
      assertThat(outcome.published()).isTrue();
      pins.add(outcome.pins());
    }
    source.refresh();
    int metadataBefore =
        ((HasTableOperations) source).operations().current().previousFiles().size();
    assertThat(SourcePins.pinned(source, capture.captureId())).isEmpty();

    processor.pin(committed(s), pins);
    processor.pin(committed(s), pins); // already pinned: no commit at all

    source.refresh();
    assertThat(SourcePins.pinned(source, capture.captureId())).containsExactly(s.snapshotId());
    assertThat(SourcePins.pinned(source, other.captureId())).containsExactly(s.snapshotId());
    assertThat(((HasTableOperations) source).operations().current().previousFiles())
        .hasSize(metadataBefore + 1);
  }

  @Test
  void replayingTheStepsOfTwoChangesGivesTheirUnion() {
    ChangeCaptured a = capture(writer.append(source, orders(2, DAY1, "NEW")));
    ChangeCaptured b = capture(writer.append(source, orders(3, DAY1.plusDays(1), "NEW")));
    Table icdc = icdc();
    List<IcdcStates.Step> steps = new ArrayList<>(IcdcStates.stepsOf(icdc, a.icdc().ref()));
    steps.addAll(IcdcStates.stepsOf(icdc, b.icdc().ref()));

    IcdcStates.commitSteps(icdc, "run-1", steps, Map.of("floe.run", "1"), Duration.ofDays(1));

    icdc.refresh();
    List<String> union = new ArrayList<>(IcdcOracle.rows(icdc, a.icdc().snapshotId()));
    union.addAll(IcdcOracle.rows(icdc, b.icdc().snapshotId()));
    union.sort(String::compareTo);
    assertThat(IcdcOracle.rows(icdc, icdc.refs().get("run-1").snapshotId()))
        .hasSize(5)
        .isEqualTo(union);
  }

  @Test
  void anIcdcTableLeftWithoutItsBaseByACrashIsCompletedOnItsNextUse() {
    Snapshot s = writer.append(source, orders(2, DAY1, "NEW"));
    // A catalog whose caller dies right after registering the ICDC table, before its base commit.
    Catalog real = fixture.catalog();
    Catalog crashing =
        (Catalog)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Catalog.class, SupportsNamespaces.class},
                (proxy, method, args) -> {
                  Object result;
                  try {
                    result = method.invoke(real, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                  if (method.getName().equals("registerTable")) {
                    throw new IllegalStateException("crashed after registering");
                  }
                  return result;
                });
    CaptureProcessor crashed = new CaptureProcessor(() -> crashing, Clock.systemUTC());
    assertThatThrownBy(() -> crashed.process(capture, committed(s)))
        .hasStackTraceContaining("crashed after registering");
    assertThat(icdc().currentSnapshot()).as("registered without a base").isNull();

    ChangeCaptured event = capture(s);

    assertThat(IcdcOracle.rows(icdc(), event.icdc().snapshotId()))
        .isEqualTo(IcdcOracle.rows(source, s.snapshotId()))
        .hasSize(2);
  }

  @Test
  void aStateWhoseTransactionLostToAnotherWriterIsBuiltAgainOnTheNewTable() {
    ChangeCaptured a = capture(writer.append(source, orders(2, DAY1, "NEW")));
    Table icdc = icdc();
    List<IcdcStates.Step> steps = IcdcStates.stepsOf(icdc, a.icdc().ref());
    AtomicInteger attempts = new AtomicInteger();
    List<ChangeCaptured> meanwhile = new ArrayList<>();

    RefCommits.retrying(
        icdc,
        () -> {
          Transaction txn = icdc.newTransaction();
          IcdcStates.commitState(
              txn, IcdcStates.base(icdc), "run-3", steps, Map.of(), Duration.ofDays(1));
          if (attempts.incrementAndGet() == 1) {
            // The capture commits the next change's state while the union is being built:
            // Iceberg cannot replay the union's branch and tag updates on top of it.
            meanwhile.add(capture(writer.append(source, orders(1, DAY1, "NEW"))));
          }
          txn.commitTransaction();
        });

    assertThat(attempts).hasValue(2);
    icdc.refresh();
    assertThat(icdc.refs()).containsKeys("run-3", meanwhile.get(0).icdc().ref());
    assertThat(IcdcOracle.rows(icdc, icdc.refs().get("run-3").snapshotId()))
        .hasSize(2)
        .isEqualTo(IcdcOracle.rows(icdc, a.icdc().snapshotId()));
  }

  @Test
  void aUnionCommitsAppendsTogetherAndKeepsEachEqualityDeleteOnTheRowsItDeleted() {
    Snapshot first = writer.append(source, orders(2, DAY1, "NEW"));
    Snapshot second = writer.append(source, orders(1, DAY1, "NEW"));
    Snapshot delete = writer.deleteRowsByEquality(source, "order_id", List.of(1L));
    // Order 1 again, after its delete: the delete must not apply to it.
    Snapshot again =
        writer.append(
            source,
            List.of(Orders.order(source, 1L, "eu-west", "NEW", BigDecimal.TEN, DAY1.plusDays(1))));
    List<String> states = new ArrayList<>();
    for (Snapshot s : List.of(first, second, delete, again)) {
      states.add(capture(s).icdc().ref());
    }
    Table icdc = icdc();
    List<IcdcStates.Step> steps = new ArrayList<>();
    states.forEach(state -> steps.addAll(IcdcStates.stepsOf(icdc, state)));

    IcdcStates.commitSteps(icdc, "run-2", steps, Map.of("floe.run", "2"), Duration.ofDays(1));

    icdc.refresh();
    long union = icdc.refs().get("run-2").snapshotId();
    assertThat(IcdcOracle.rows(icdc, union))
        .as("the union reads as the source after the four commits")
        .isEqualTo(IcdcOracle.rows(source, again.snapshotId()))
        .hasSize(3);
    // Two commits: both appends, then the delete with the append after it.
    long base = IcdcStates.base(icdc);
    int commits = 0;
    for (Snapshot s = icdc.snapshot(union);
        s.snapshotId() != base;
        s = icdc.snapshot(s.parentId())) {
      commits++;
    }
    assertThat(commits).isEqualTo(2);
  }

  @Test
  void aBacklogIsCapturedInOneIcdcCommitAndEachChangeAsIfCapturedAlone() {
    CaptureDefined grouped = named("grouped");
    CaptureDefined alone = named("alone");
    Snapshot first = writer.append(source, orders(2, DAY1.plusDays(3), "NEW"));
    processor.capture(grouped, committed(first));
    processor.capture(alone, committed(first));
    List<Snapshot> backlog = new ArrayList<>();
    backlog.add(writer.append(source, orders(2, DAY1.plusDays(4), "NEW")));
    backlog.add(writer.append(source, orders(1, DAY1, "NEW"))); // below the mark: late
    backlog.add(
        writer.overwrite(
            source,
            Expressions.equal(
                Expressions.day("order_ts"), (int) DAY1.plusDays(4).toLocalDate().toEpochDay()),
            orders(1, DAY1.plusDays(4), "PAID")));
    backlog.add(writer.compact(source)); // no state; the marks carry past it
    backlog.add(writer.append(source, orders(1, DAY1.plusDays(1), "NEW"))); // late again
    backlog.add(writer.deleteRowsByPosition(source, Expressions.equal("status", "PAID")));
    Table icdc = icdcOf(grouped);
    int commitsBefore = metadataCommits(icdc);

    List<CaptureProcessor.Outcome> together =
        processor.captureAll(grouped, backlog.stream().map(this::committed).toList());

    icdc.refresh();
    assertThat(metadataCommits(icdc)).as("ICDC catalog commits").isEqualTo(commitsBefore + 1);
    for (int i = 0; i < backlog.size(); i++) {
      ChangeCaptured event = together.get(i).event();
      ChangeCaptured single = processor.capture(alone, committed(backlog.get(i))).event();
      Table aloneIcdc = icdcOf(alone);
      assertThat(event.kind()).as("change %d", i).isEqualTo(single.kind());
      assertThat(event.range()).isEqualTo(single.range());
      assertThat(event.stats()).isEqualTo(single.stats());
      assertThat(event.ranges()).as("ranges of change %d", i).isEqualTo(single.ranges());
      assertThat(event.partitions()).isEqualTo(single.partitions());
      assertThat(event.lateData()).as("late data in change %d", i).isEqualTo(single.lateData());
      assertThat(stateRows(icdc, event.icdc())).isEqualTo(stateRows(aloneIcdc, single.icdc()));
      assertThat(stateRows(icdc, event.removedIcdc()))
          .isEqualTo(stateRows(aloneIcdc, single.removedIcdc()));
      // Captured again, alone: the state is found under its own tag, nothing is committed. (A
      // compaction has no state to date its capture by.)
      assertThat(processor.capture(grouped, committed(backlog.get(i))).event())
          .usingRecursiveComparison()
          .ignoringFields(event.kind() == ChangeKind.REPLACE ? "capturedAt" : "")
          .isEqualTo(event);
    }
    assertThat(together.stream().map(o -> o.event().lateData()).toList())
        .as("late data: below the mark carried from the change before, in the group or not")
        .startsWith(false, true);
    assertThat(together.get(3).event().kind()).isEqualTo(ChangeKind.REPLACE);
    icdc.refresh();
    assertThat(metadataCommits(icdc)).isEqualTo(commitsBefore + 1);
    IcdcRef added = together.get(0).event().icdc();
    // Six changes, one a compaction, which has no state: five in the commit.
    assertThat(icdc.snapshot(added.snapshotId()).summary())
        .containsEntry(CaptureProcessor.GROUP_SIZE, "5");

    // Each change asks for itself and its parent, the change before: all pinned in one commit.
    source.refresh();
    int sourceCommits = metadataCommits(source);
    processor.pin(
        committed(backlog.get(0)),
        together.stream().map(CaptureProcessor.Outcome::pins).filter(p -> p != null).toList());
    source.refresh();
    assertThat(metadataCommits(source))
        .as("pin commits on the source")
        .isEqualTo(sourceCommits + 1);
    List<Long> changed =
        backlog.stream()
            .filter(b -> !b.operation().equals("replace"))
            .map(Snapshot::snapshotId)
            .toList();
    assertThat(SourcePins.pinned(source, grouped.captureId()))
        .containsAll(changed)
        .contains(first.snapshotId());
  }

  @Test
  void aSchemaChangeInTheBacklogStartsAnotherCommitWithTheNewSchema() {
    CaptureDefined evolving = named("evolving");
    processor.capture(evolving, committed(writer.append(source, orders(1, DAY1, "NEW"))));
    List<Snapshot> backlog = new ArrayList<>();
    backlog.add(writer.append(source, orders(1, DAY1, "NEW")));
    backlog.add(writer.append(source, orders(1, DAY1, "NEW")));
    writer.evolveSchema(source, u -> u.addColumn("coupon", Types.StringType.get()));
    backlog.add(writer.append(source, orders(1, DAY1, "NEW")));

    List<CaptureProcessor.Outcome> together =
        processor.captureAll(evolving, backlog.stream().map(this::committed).toList());

    Table icdc = icdcOf(evolving);
    List<Snapshot> states =
        together.stream().map(o -> icdc.snapshot(o.event().icdc().snapshotId())).toList();
    assertThat(states.stream().map(s -> s.summary().get(CaptureProcessor.GROUP_SIZE)))
        .containsExactly("2", "2", "1");
    assertThat(
            states.stream().map(s -> icdc.schemas().get(s.schemaId()).findField("coupon") != null))
        .as("the state's schema has the new column")
        .containsExactly(false, false, true);
  }

  private CaptureDefined named(String id) {
    return capture(id, false, List.of("order_ts", "amount", "status"));
  }

  private static Table icdcOf(CaptureDefined capture) {
    return fixture.catalog().loadTable(IcdcTables.identifier(capture));
  }

  private static List<String> stateRows(Table icdc, IcdcRef state) {
    return state == null ? List.of() : IcdcOracle.rows(icdc, state.snapshotId());
  }

  /** Catalog commits so far: each writes one metadata file, and the sequence numbers its name. */
  private static int metadataCommits(Table table) {
    String file = ((HasTableOperations) table).operations().current().metadataFileLocation();
    String name = file.substring(file.lastIndexOf('/') + 1);
    return Integer.parseInt(name.substring(0, name.indexOf('-')));
  }
}
