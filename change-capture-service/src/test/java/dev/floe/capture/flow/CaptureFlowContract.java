package dev.floe.capture.flow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.capture.IcdcOracle;
import dev.floe.capture.rows.SourceRows;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.icdc.Bounds;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.InjectFloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.DateTimeUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The differential test: random sequences of real commits flow through the real broker into the
 * capture service. An append's ICDC state is compared with what Iceberg's incremental append scan
 * says it appended; every other change's two states must give {@code rows(snapshot) = rows(parent)
 * − removed + added}, rows read by Iceberg's generic reader. Every exact range is compared with the
 * true bounds read from the data, and the ICDC table must hold no data file of its own.
 */
abstract class CaptureFlowContract {
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 18, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final List<String> TRACKED = List.of("order_ts", "amount", "status", "order_id");

  @InjectFloeStack FloeStack stack;

  /** The oracle's verdict on one change set. */
  record Verdict(long snapshotId, ChangeKind kind, String check) {}

  @Test
  @Timeout(300)
  void everyChangeSetEqualsWhatIcebergSaysTheSnapshotChanged() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
    String name = "t_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = stack.writer();
    Table source =
        writer.createOrLoad(TableIdentifier.of("diff", name), Orders.SCHEMA, Orders.BY_DAY);
    // Floe pins every captured snapshot with one metadata commit on the source. This writer
    // commits back to back while the pins land, far denser than any real writer, so it is given
    // more than Iceberg's default four retries (see change-capture-service/README.md on pins).
    source.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "20").commit();
    TableRef ref = new TableRef(stack.catalog().name(), List.of("diff"), name);
    // The same table captured twice: ranges from metadata, and ranges read from the data.
    String fromMetadata = "cap-" + name.replace('_', '-');
    String exact = fromMetadata + "-exact";
    for (String id : List.of(fromMetadata, exact)) {
      given()
          .contentType(ContentType.JSON)
          .body(
              Map.of(
                  "id",
                  id,
                  "table",
                  "diff." + name,
                  "trackedFields",
                  TRACKED,
                  "exactRanges",
                  id.equals(exact)))
          .post("/captures")
          .then()
          .statusCode(201);
    }

    Random random = new Random(name.hashCode());
    Map<Long, Snapshot> commits = new LinkedHashMap<>();
    try (SnapshotFeed feed =
            new SnapshotFeed(stack.kafka().bootstrapServers(), stack.catalog().name());
        EventTap changes = new EventTap(stack.kafka().bootstrapServers(), Topics.CHANGES)) {
      long order = 1;
      for (int i = 0; i < 24; i++) {
        Snapshot before = source.currentSnapshot();
        Snapshot s = randomCommit(writer, source, random, order, i);
        order += 100;
        if (s == null || (before != null && s.snapshotId() == before.snapshotId())) {
          continue;
        }
        commits.put(s.snapshotId(), s);
        feed.publish(ref, source, s);
      }
      await()
          .atMost(Duration.ofSeconds(120))
          .until(
              () -> {
                changes.poll(Duration.ofMillis(200));
                return changes.payloads(ChangeCaptured.class, c -> c.table().equals(ref)).size()
                    >= 2 * commits.size();
              });
      source.refresh();
      for (String id : List.of(fromMetadata, exact)) {
        List<ChangeCaptured> captured =
            changes.payloads(ChangeCaptured.class, c -> c.captureId().equals(id));
        assertThat(captured)
            .extracting(c -> c.range().toSnapshotId())
            .containsExactlyElementsOf(commits.keySet());
        Table icdc =
            stack
                .catalog()
                .catalog()
                .loadTable(
                    TableIdentifier.of("floe_icdc", "diff__" + name + "__" + id.replace('-', '_')));
        List<Verdict> verdicts = new ArrayList<>();
        for (ChangeCaptured change : captured) {
          verdicts.add(check(source, icdc, commits.get(change.range().toSnapshotId()), change));
        }
        assertThat(verdicts).filteredOn(v -> !v.check().equals("ok")).isEmpty();
        assertThat(verdicts)
            .extracting(Verdict::kind)
            .contains(
                ChangeKind.APPEND, ChangeKind.OVERWRITE, ChangeKind.ROW_DELETE, ChangeKind.REPLACE);
        // Zero-copy in both modes: the ICDC table holds its own metadata and nothing else.
        assertThat(files(icdc.location())).allMatch(p -> p.contains("/metadata/"));
        if (id.equals(exact)) {
          // Read from the data, every range of a change of data files is exact.
          assertThat(captured)
              .filteredOn(c -> c.kind() != ChangeKind.ROW_DELETE && c.kind() != ChangeKind.REPLACE)
              .flatExtracting(ChangeCaptured::ranges)
              .isNotEmpty()
              .allMatch(r -> r.exactness() == Exactness.EXACT || r.min() == null, "exact");
        }
      }
    }
  }

  /**
   * One random commit; a schema change every so often, merge-on-read deletes in the second half.
   */
  private static Snapshot randomCommit(
      TableWriter writer, Table source, Random random, long order, int step) {
    source.refresh();
    int op = random.nextInt(100);
    // Every kind is covered whatever the seed: rows written at step 12 are deleted row-level by
    // position at 13 and by equality at 14. These come before the random draw decides anything.
    if (step == 12) {
      return writer.append(source, rows(source, random, order, 4, 0));
    }
    if (step == 13) {
      return writer.deleteRowsByPosition(source, Expressions.equal("order_id", order - 100));
    }
    if (step == 14) {
      return writer.deleteRowsByEquality(source, "order_id", List.of(order - 199, order - 198));
    }
    if (step == 5) {
      return writer.overwrite(source, dayIs(1), rows(source, random, order, 2, 1));
    }
    if (step == 20) {
      return writer.compact(source);
    }
    if (step == 8) {
      writer.evolveSchema(source, u -> u.addColumn("channel", Types.StringType.get()));
      source.refresh();
      return writer.append(source, rows(source, random, order, 3));
    }
    if (source.currentSnapshot() == null || op < 40) {
      return writer.append(source, rows(source, random, order, 1 + random.nextInt(6)));
    }
    int day = random.nextInt(4);
    if (op < 55) {
      return writer.overwrite(source, dayIs(day), rows(source, random, order, 2, day));
    }
    if (op < 65) {
      return writer.deleteFiles(source, dayIs(day));
    }
    if (op < 80 && step >= 12) {
      return writer.deleteRowsByPosition(source, Expressions.equal("status", "CANCELLED"));
    }
    if (op < 90 && step >= 12) {
      return writer.deleteRowsByEquality(source, "order_id", List.of(order - 99, order - 98));
    }
    return writer.compact(source);
  }

  private static org.apache.iceberg.expressions.Expression dayIs(int day) {
    return Expressions.equal(
        Expressions.day("order_ts"), (int) DAY.plusDays(day).toLocalDate().toEpochDay());
  }

  private static List<Record> rows(Table table, Random random, long order, int n) {
    return rows(table, random, order, n, random.nextInt(4));
  }

  private static List<Record> rows(Table table, Random random, long order, int n, int day) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Record row =
          Orders.order(
              table,
              order + i,
              "eu-west",
              random.nextInt(3) == 0 ? "CANCELLED" : "NEW",
              BigDecimal.valueOf(random.nextInt(100_000), 2),
              DAY.plusDays(day).plusMinutes(random.nextInt(1440)));
      if (table.schema().findField("channel") != null) {
        row.setField("channel", random.nextBoolean() ? "web" : null);
      }
      rows.add(row);
    }
    return rows;
  }

  private Verdict check(Table source, Table icdc, Snapshot s, ChangeCaptured change) {
    String check = "ok";
    switch (change.kind()) {
      case APPEND -> {
        if (!IcdcOracle.rows(icdc, change.icdc().snapshotId())
            .equals(IcdcOracle.appended(source, s.parentId(), s.snapshotId()))) {
          check = "rows differ";
        }
      }
      case OVERWRITE, DELETE, ROW_DELETE -> {
        // Both states, merge-on-read ones included: data files whose deletes changed are in
        // both, with the deletes of each end.
        String problem =
            IcdcOracle.invariantProblem(
                source,
                s.parentId(),
                s.snapshotId(),
                icdc,
                change.removedIcdc() == null ? null : change.removedIcdc().snapshotId(),
                change.icdc() == null ? null : change.icdc().snapshotId());
        if (problem != null) {
          check = problem;
        }
      }
      case REPLACE -> {
        if (change.icdc() != null || change.removedIcdc() != null) {
          check = "replace has ICDC state";
        }
      }
    }
    List<Record> changed =
        change.kind() == ChangeKind.ROW_DELETE ? deletedRows(source, s) : fileRows(source, s);
    for (FieldRange range : change.ranges()) {
      String problem = rangeProblem(source, range, changed);
      if (problem != null) {
        check = problem;
      }
    }
    return new Verdict(s.snapshotId(), change.kind(), check);
  }

  /** The rows of the data files the snapshot added and removed. */
  private static List<Record> fileRows(Table source, Snapshot s) {
    List<DataFile> files = new ArrayList<>();
    s.addedDataFiles(source.io()).forEach(files::add);
    s.removedDataFiles(source.io()).forEach(files::add);
    org.apache.iceberg.Schema schema = source.schema();
    List<Record> rows = new ArrayList<>();
    for (DataFile file : files) {
      try (CloseableIterable<Record> reader =
          Parquet.read(source.io().newInputFile(file.location()))
              .project(schema)
              .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema))
              .build()) {
        reader.forEach(rows::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return rows;
  }

  /** The rows a row-level delete removed: the parent's rows less the snapshot's. */
  private static List<Record> deletedRows(Table source, Snapshot s) {
    Map<String, List<Record>> before = new LinkedHashMap<>();
    for (Record row : SourceRows.at(source, s.parentId())) {
      before.computeIfAbsent(row.toString(), k -> new ArrayList<>()).add(row);
    }
    for (Record row : SourceRows.at(source, s.snapshotId())) {
      List<Record> same = before.get(row.toString());
      if (same != null && !same.isEmpty()) {
        same.remove(same.size() - 1);
      }
    }
    return before.values().stream().flatMap(List::stream).toList();
  }

  /**
   * Why a reported range is wrong for the changed rows, or null: an exact range must equal their
   * true bounds, a truncated one must enclose them.
   */
  @SuppressWarnings("unchecked")
  private static String rangeProblem(Table source, FieldRange reported, List<Record> rows) {
    if (reported.exactness() == Exactness.UNKNOWN) {
      return null;
    }
    Type.PrimitiveType type = source.schema().findField(reported.field()).type().asPrimitiveType();
    Comparator<Object> order = (Comparator<Object>) Comparators.forType(type);
    Object min = null;
    Object max = null;
    for (Record row : rows) {
      Object value = internal(row.getField(reported.field()));
      if (value != null) {
        min = min == null || order.compare(value, min) < 0 ? value : min;
        max = max == null || order.compare(value, max) > 0 ? value : max;
      }
    }
    if (min == null) {
      // A delete may match rows deleted before: an enclosing range of nothing is still true.
      return reported.exactness() == Exactness.EXACT
          ? "range " + reported + " but no changed row has a value"
          : null;
    }
    Object low = Bounds.parse(type, reported.min());
    Object high = Bounds.parse(type, reported.max());
    boolean ok =
        reported.exactness() == Exactness.EXACT
            ? order.compare(low, min) == 0 && order.compare(high, max) == 0
            : order.compare(low, min) <= 0 && order.compare(high, max) >= 0;
    return ok
        ? null
        : "range "
            + reported
            + " but the changed rows span "
            + Bounds.format(type, min)
            + ".."
            + Bounds.format(type, max);
  }

  /** A generic reader's value as Iceberg's internal one. */
  private static Object internal(Object value) {
    if (value instanceof OffsetDateTime t) {
      return DateTimeUtil.microsFromTimestamptz(t);
    }
    if (value instanceof java.time.LocalDateTime t) {
      return DateTimeUtil.microsFromTimestamp(t);
    }
    if (value instanceof java.time.LocalDate d) {
      return DateTimeUtil.daysFromDate(d);
    }
    return value;
  }

  static List<String> files(String location) {
    try (var walk = Files.walk(Path.of(java.net.URI.create(location)))) {
      return walk.filter(Files::isRegularFile).map(Object::toString).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
