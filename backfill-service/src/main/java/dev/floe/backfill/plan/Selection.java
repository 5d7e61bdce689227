package dev.floe.backfill.plan;

import dev.floe.contracts.model.BackfillSpec;
import dev.floe.icdc.Bounds;
import java.time.Instant;
import java.util.Comparator;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Binder;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.ExpressionParser;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * What part of a source table a backfill's range selects: a row filter, and the snapshots it is
 * read at. A field range selects {@code from} (inclusive) to {@code to} (exclusive); a partition
 * filter is Iceberg's JSON expression; a snapshot or time range selects the range's change, (from,
 * to]: its removed and added states ({@code BackfillPlanner}).
 *
 * @param filter the row filter, {@code alwaysTrue} for none
 * @param fromSnapshotId the exclusive lower end of an incremental range; null for the whole table
 * @param toSnapshotId the snapshot read
 * @param addedAtSequenceNumber only the data files of this file sequence number, those one commit
 *     added; null for all
 */
public record Selection(
    Expression filter, Long fromSnapshotId, long toSnapshotId, Long addedAtSequenceNumber) {

  /**
   * Resolves the range against the table's metadata.
   *
   * @throws PlanningException naming the range field at fault
   */
  public static Selection of(Table table, BackfillSpec.Range range) {
    Expression filter = Expressions.alwaysTrue();
    if (range.field() != null) {
      filter = Expressions.and(filter, fieldRange(table, range));
    } else if (range.from() != null || range.to() != null) {
      throw new PlanningException("range.field", "is required with from and to");
    }
    if (range.partitionFilter() != null) {
      Expression parsed;
      try {
        parsed = ExpressionParser.fromJson(range.partitionFilter(), table.schema());
        Binder.bind(table.schema().asStruct(), parsed, true);
      } catch (RuntimeException e) {
        throw new PlanningException(
            "range.partitionFilter", "is not an expression on this table: " + e.getMessage());
      }
      filter = Expressions.and(filter, parsed);
    }
    if (range.toSnapshotId() != null && range.toTime() != null) {
      throw new PlanningException("range.toTime", "can't be given with toSnapshotId");
    }
    if (range.fromSnapshotId() != null && range.fromTime() != null) {
      throw new PlanningException("range.fromTime", "can't be given with fromSnapshotId");
    }
    Long added = range.addedAtSequenceNumber();
    if (added != null) {
      if (range.fromSnapshotId() != null || range.fromTime() != null) {
        throw new PlanningException(
            "range.addedAtSequenceNumber",
            "selects one commit's files at the end snapshot: it can't be given with a snapshot or"
                + " time range's start");
      }
      if (added <= 0) {
        throw new PlanningException("range.addedAtSequenceNumber", "must be positive");
      }
      if (!(table instanceof HasTableOperations ops)
          || ops.operations().current().formatVersion() < 2) {
        throw new PlanningException(
            "range.addedAtSequenceNumber",
            "a format-1 table numbers no commit: select the lost change's days with a field range");
      }
    }
    long to = toSnapshot(table, range);
    Long from = fromSnapshot(table, range, to);
    return new Selection(filter, from, to, added);
  }

  private static Expression fieldRange(Table table, BackfillSpec.Range range) {
    Types.NestedField field = table.schema().findField(range.field());
    if (field == null) {
      throw new PlanningException("range.field", "is not a field of " + table.name());
    }
    if (!field.type().isPrimitiveType() || !Bounds.supported(field.type().asPrimitiveType())) {
      throw new PlanningException(
          "range.field", "has a type ranges can't be taken on: " + field.type());
    }
    Type.PrimitiveType type = field.type().asPrimitiveType();
    Object from = range.from() == null ? null : value(type, range.from(), "range.from");
    Object to = range.to() == null ? null : value(type, range.to(), "range.to");
    if (from == null && to == null) {
      throw new PlanningException("range.from", "or range.to is required with range.field");
    }
    if (from != null
        && to != null
        && compare(type, Bounds.parse(type, range.from()), Bounds.parse(type, range.to())) >= 0) {
      throw new PlanningException(
          "range.to", "must be after range.from (the range is inverted or empty)");
    }
    Expression e = Expressions.alwaysTrue();
    if (from != null) {
      e = Expressions.and(e, Expressions.greaterThanOrEqual(range.field(), from));
    }
    if (to != null) {
      e = Expressions.and(e, Expressions.lessThan(range.field(), to));
    }
    return e;
  }

  @SuppressWarnings("unchecked")
  private static int compare(Type.PrimitiveType type, Object a, Object b) {
    return ((Comparator<Object>) Comparators.forType(type)).compare(a, b);
  }

  private static Object value(Type.PrimitiveType type, String text, String name) {
    try {
      Bounds.parse(type, text);
      return Bounds.literal(type, text);
    } catch (RuntimeException e) {
      throw new PlanningException(name, "is not a " + type + ": " + text);
    }
  }

  private static long toSnapshot(Table table, BackfillSpec.Range range) {
    if (range.toSnapshotId() != null) {
      if (table.snapshot(range.toSnapshotId()) == null) {
        throw new PlanningException("range.toSnapshotId", "is not a snapshot of " + table.name());
      }
      return range.toSnapshotId();
    }
    Snapshot current = table.currentSnapshot();
    if (current == null) {
      throw new PlanningException("table", table.name() + " has no snapshot: nothing to backfill");
    }
    if (range.toTime() != null) {
      Snapshot at = latestAt(table, range.toTime());
      if (at == null) {
        throw new PlanningException("range.toTime", "is before the table's first snapshot");
      }
      return at.snapshotId();
    }
    return current.snapshotId();
  }

  private static Long fromSnapshot(Table table, BackfillSpec.Range range, long to) {
    Long from = range.fromSnapshotId();
    if (range.fromTime() != null) {
      Snapshot before = latestAt(table, range.fromTime().minusNanos(1));
      from = before == null ? null : before.snapshotId();
      if (from != null && from == to) {
        throw new PlanningException("range.fromTime", "selects no snapshot before the range's end");
      }
    }
    if (from == null) {
      return null; // from the table's beginning: the whole table as of the range's end
    }
    if (table.snapshot(from) == null) {
      throw new PlanningException("range.fromSnapshotId", "is not a snapshot of " + table.name());
    }
    if (from == to || !SnapshotUtil.isAncestorOf(table, to, from)) {
      throw new PlanningException(
          "range.fromSnapshotId", "must be an ancestor of the range's end, and not the end itself");
    }
    return from;
  }

  /** The main branch's last snapshot committed at or before {@code time}. */
  private static Snapshot latestAt(Table table, Instant time) {
    try {
      long id = SnapshotUtil.snapshotIdAsOfTime(table, time.toEpochMilli());
      return table.snapshot(id);
    } catch (IllegalArgumentException | ValidationException e) {
      return null;
    }
  }
}
