package dev.floe.stack.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floe.stack.test.RowsById;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * A job that keeps each source's orders and revenue per day incrementally, as a user's job would
 * from the two states of each run: it adds the rows of the run's {@code icdc} (added) state and
 * subtracts those of its {@code removedIcdc} (removed) state. After every run it compares its
 * totals with a full recomputation from the source as of the run's last snapshot; any difference is
 * a mismatch, kept for the test to assert none. It also checks each run's states against the
 * source, read by Iceberg's generic reader at both ends of the run's range (S0, Sn]: as multisets,
 * {@code rows(Sn) = rows(S0) − removed + added}, with {@code removed ⊆ rows(S0)}. A run whose input
 * carries no states ({@code statesOmitted}) cannot be applied incrementally: the job starts again
 * from the source's totals at the run's end, as a real job would, and counts it.
 *
 * <p>The runs of one table must reach it in order, one at a time: the pipeline's triggers are
 * {@code latest-only} when rows are rewritten. A run delivered again is skipped ({@link
 * #hasApplied}), whatever happened to the job's other output.
 */
final class RevenueJob {
  /** One day's orders and revenue. */
  record Day(long orders, BigDecimal revenue) {
    static final Day NONE = new Day(0, BigDecimal.ZERO.setScale(2));

    Day plus(Day other, int sign) {
      return new Day(
          orders + sign * other.orders,
          sign > 0 ? revenue.add(other.revenue) : revenue.subtract(other.revenue));
    }

    boolean isNone() {
      return orders == 0 && revenue.signum() == 0;
    }
  }

  /**
   * The totals of a table after a run, not kept until {@link #keep}.
   *
   * @param fromStates false when the run carried no states and the totals were recomputed
   * @param withRemoved whether the run carried a removed state
   */
  record Next(
      String table, String runId, Map<Long, Day> totals, boolean fromStates, boolean withRemoved) {}

  private final Map<String, Map<Long, Day>> byTable = new ConcurrentHashMap<>();
  private final Queue<String> mismatches = new ConcurrentLinkedQueue<>();
  private final Queue<String> invariantBreaks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger applied = new AtomicInteger();
  private final AtomicInteger withRemoved = new AtomicInteger();
  private final AtomicInteger rebased = new AtomicInteger();
  private final Set<String> appliedRuns = ConcurrentHashMap.newKeySet();

  /**
   * The table's totals after the run's input, from its states, checked against the source at the
   * run's last snapshot; the states themselves checked against the source at both ends.
   */
  Next next(Catalog catalog, Table source, String table, String runId, JsonNode input) {
    JsonNode ranges = input.get("snapshotRanges");
    long to = ranges.get(ranges.size() - 1).get("toSnapshotId").asLong();
    List<Record> atEnd = rows(source, to);
    Map<Long, Day> truth = totals(atEnd);
    JsonNode omitted = input.path("statesOmitted");
    if (present(omitted)) {
      return new Next(table, runId, truth, false, false);
    }
    JsonNode fromNode = ranges.get(0).path("fromSnapshotIdExclusive");
    Long from = present(fromNode) ? fromNode.asLong() : null;
    List<Record> added =
        present(input.path("icdc")) ? IcdcStateRows.read(catalog, input.get("icdc")) : List.of();
    List<Record> removed =
        present(input.path("removedIcdc"))
            ? IcdcStateRows.read(catalog, input.get("removedIcdc"))
            : List.of();
    // The rule of the two states, checked as the differential tests check it.
    Snapshot sn = source.snapshot(to);
    Schema schema = RowsById.schemaOf(source, sn);
    String broken =
        RowsById.ruleBroken(
            source,
            from,
            sn,
            removed.stream().map(r -> RowsById.of(r, schema)).toList(),
            added.stream().map(r -> RowsById.of(r, schema)).toList());
    if (broken != null) {
      invariantBreaks.add("%s over (%s, %d]: %s".formatted(table, from, to, broken));
    }
    Map<Long, Day> before = byTable.get(table);
    if (before == null) {
      // The job's first run: it starts from the source as of the run's start, once.
      before = from == null ? Map.of() : totals(rows(source, from));
    }
    Map<Long, Day> after = new TreeMap<>(before);
    added.forEach(r -> add(after, r, 1));
    removed.forEach(r -> add(after, r, -1));
    after.values().removeIf(Day::isNone);
    if (!after.equals(truth)) {
      mismatches.add(
          "%s after the run ending at snapshot %d: kept %s, recomputed %s"
              .formatted(table, to, after, truth));
      // One mismatch, not one per later run.
      return new Next(table, runId, truth, true, !removed.isEmpty());
    }
    return new Next(table, runId, after, true, !removed.isEmpty());
  }

  /** Whether a run was applied to the totals already: a run delivered again is not. */
  boolean hasApplied(String runId) {
    return appliedRuns.contains(runId);
  }

  /** Keeps the totals once the run is applied. */
  void keep(Next next) {
    byTable.put(next.table(), next.totals());
    appliedRuns.add(next.runId());
    if (!next.fromStates()) {
      rebased.incrementAndGet();
    } else {
      applied.incrementAndGet();
      if (next.withRemoved()) {
        withRemoved.incrementAndGet();
      }
    }
  }

  /** Runs applied from their states. */
  int applied() {
    return applied.get();
  }

  /** Runs applied from their states that carried a removed state. */
  int withRemoved() {
    return withRemoved.get();
  }

  /** Runs without states, after which the job started again from the source. */
  int rebased() {
    return rebased.get();
  }

  /** Totals that differed from a full recomputation. */
  List<String> mismatches() {
    return List.copyOf(mismatches);
  }

  /** Runs whose states broke their rule against the source. */
  List<String> invariantBreaks() {
    return List.copyOf(invariantBreaks);
  }

  private static boolean present(JsonNode node) {
    return !node.isMissingNode() && !node.isNull();
  }

  private static List<Record> rows(Table source, long snapshotId) {
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(source).useSnapshot(snapshotId).build()) {
      records.forEach(r -> rows.add(r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static Map<Long, Day> totals(List<Record> rows) {
    Map<Long, Day> totals = new TreeMap<>();
    rows.forEach(r -> add(totals, r, 1));
    totals.values().removeIf(Day::isNone);
    return totals;
  }

  private static void add(Map<Long, Day> totals, Record row, int sign) {
    long day = ((OffsetDateTime) row.getField("order_ts")).toInstant().getEpochSecond() / 86_400;
    Day one = new Day(1, (BigDecimal) row.getField("amount"));
    totals.merge(day, Day.NONE.plus(one, sign), (a, b) -> a.plus(b, 1));
  }
}
