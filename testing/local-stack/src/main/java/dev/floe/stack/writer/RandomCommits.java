package dev.floe.stack.writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * Random commits of every kind a writer makes to an {@link Orders} table, for the differential
 * tests of the ICDC states: appends (one row twice: states are multisets), copy-on-write updates
 * and overwrites of a day, file deletes, position deletes (deletion vectors on format 3), equality
 * deletes, merge-on-read updates, upserts (equality deletes written with the new rows, as Flink
 * writes them), compactions, a column added and a partition field added. Rows fall on {@link #DAYS}
 * days from {@link #DAY1}.
 */
public final class RandomCommits {
  public static final OffsetDateTime DAY1 =
      OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  public static final int DAYS = 3;

  /** A kind of commit. */
  public enum Kind {
    APPEND,
    UPDATE_COPY_ON_WRITE,
    OVERWRITE,
    DELETE_FILES,
    DELETE_POSITIONS,
    DELETE_EQUALITY,
    UPDATE_MERGE_ON_READ,
    UPSERT,
    COMPACT,
    ADD_COLUMN,
    CHANGE_SPEC;

    /** True for the kinds that change the table's schema or spec, and make no snapshot. */
    public boolean evolves() {
      return this == ADD_COLUMN || this == CHANGE_SPEC;
    }
  }

  private final TableWriter writer;
  private final Random random;
  private long nextId = 1;

  public RandomCommits(TableWriter writer, Random random) {
    this.writer = writer;
    this.random = random;
  }

  /**
   * {@code commits} kinds: two appends, then every kind once in random order, then random kinds
   * other than schema and spec changes.
   */
  public List<Kind> plan(int commits) {
    List<Kind> kinds = new ArrayList<>(List.of(Kind.values()));
    Collections.shuffle(kinds, random);
    kinds.add(0, Kind.APPEND);
    kinds.add(1, Kind.APPEND);
    while (kinds.size() < commits) {
      Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
      if (!kind.evolves()) {
        kinds.add(kind);
      }
    }
    return kinds;
  }

  /** Commits one change of {@code kind} to {@code table}; some kinds may find nothing to do. */
  public void commit(Table table, Kind kind) {
    int day = random.nextInt(DAYS);
    Expression dayFilter =
        Expressions.and(
            Expressions.greaterThanOrEqual("order_ts", micros(DAY1.plusDays(day))),
            Expressions.lessThan("order_ts", micros(DAY1.plusDays(day + 1))));
    switch (kind) {
      case APPEND -> {
        List<Record> rows = new ArrayList<>();
        int n = 1 + random.nextInt(20);
        for (int i = 0; i < n; i++) {
          rows.add(newRow(table));
        }
        rows.add(rows.get(0).copy()); // an identical row twice: states are multisets
        writer.append(table, rows);
      }
      case UPDATE_COPY_ON_WRITE, OVERWRITE -> {
        List<Record> rows = new ArrayList<>();
        for (Record row : live(table, dayFilter)) {
          int roll = random.nextInt(10);
          if (kind == Kind.UPDATE_COPY_ON_WRITE && roll < 3) {
            rows.add(updated(row));
          } else if (roll != 3) {
            rows.add(row);
          }
        }
        if (kind == Kind.OVERWRITE) {
          Record row = newRow(table);
          row.setField("order_ts", DAY1.plusDays(day).plusSeconds(random.nextInt(86_400)));
          rows.add(row);
        }
        writer.overwrite(table, dayFilter, rows);
      }
      case DELETE_FILES -> writer.deleteFiles(table, dayFilter);
      case DELETE_POSITIONS -> {
        Expression some = someIds(table);
        if (formatVersion(table) >= 3) {
          writer.deleteRowsByVector(table, some);
        } else {
          writer.deleteRowsByPosition(table, some);
        }
      }
      case DELETE_EQUALITY -> {
        List<Long> ids = new ArrayList<>();
        for (Record row : live(table, Expressions.alwaysTrue())) {
          if (random.nextInt(5) == 0) {
            ids.add((Long) row.getField("order_id"));
          }
        }
        writer.deleteRowsByEquality(table, "order_id", ids);
      }
      case UPDATE_MERGE_ON_READ -> writer.updateRows(table, someIds(table), this::updated);
      case UPSERT -> {
        List<Record> rows = new ArrayList<>();
        for (Record row : live(table, Expressions.alwaysTrue())) {
          if (random.nextInt(4) == 0) {
            rows.add(updated(row));
          }
        }
        rows.add(newRow(table));
        writer.upsert(table, "order_id", rows);
      }
      case COMPACT -> writer.compact(table);
      case ADD_COLUMN ->
          writer.evolveSchema(table, update -> update.addColumn("channel", Types.StringType.get()));
      case CHANGE_SPEC -> writer.evolveSpec(table, update -> update.addField("region"));
      default -> throw new IllegalStateException("unknown kind " + kind);
    }
  }

  private Record newRow(Table table) {
    Record row =
        Orders.order(
            table,
            nextId++,
            random.nextBoolean() ? "eu-west" : "us-east",
            "NEW",
            BigDecimal.valueOf(100 + random.nextInt(10_000), 2),
            DAY1.plusDays(random.nextInt(DAYS)).plusSeconds(random.nextInt(86_400)));
    if (table.schema().findField("channel") != null) {
      row.setField("channel", "c" + random.nextInt(3));
    }
    return row;
  }

  private Record updated(Record row) {
    Record copy = row.copy();
    copy.setField("status", "SHIPPED-" + random.nextInt(1000));
    copy.setField("amount", ((BigDecimal) row.getField("amount")).add(BigDecimal.ONE));
    return copy;
  }

  private static List<Record> live(Table table, Expression filter) {
    if (table.currentSnapshot() == null) {
      return List.of();
    }
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).where(filter).build()) {
      records.forEach(r -> rows.add(r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private Expression someIds(Table table) {
    List<Long> ids = new ArrayList<>();
    for (Record row : live(table, Expressions.alwaysTrue())) {
      if (random.nextInt(4) == 0) {
        ids.add((Long) row.getField("order_id"));
      }
    }
    return ids.isEmpty() ? Expressions.alwaysFalse() : Expressions.in("order_id", ids.toArray());
  }

  private static int formatVersion(Table table) {
    return ((HasTableOperations) table).operations().current().formatVersion();
  }

  private static long micros(OffsetDateTime at) {
    return at.toEpochSecond() * 1_000_000L;
  }
}
