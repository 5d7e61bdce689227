package dev.floe.stack.demo;

import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expressions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code demo.orders} busy the way a real pipeline would: fresh orders every tick, some late
 * orders for earlier days, now and then a cancelled-order cleanup with merge-on-read deletes, a day
 * re-stated by overwrite, and a compaction.
 */
public final class DemoWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DemoWriter.class);

  private final TableWriter writer;
  private final Duration interval;
  private final Random random = new Random(42);
  // Ids from the clock, so that a restarted demo never reuses an order id.
  private final AtomicLong nextOrderId = new AtomicLong(System.currentTimeMillis() * 1000);
  private final AtomicLong commits = new AtomicLong();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "floe-demo-writer");
            t.setDaemon(true);
            return t;
          });
  private Table table;
  private long tick;

  public DemoWriter(TableWriter writer, Duration interval) {
    this.writer = writer;
    this.interval = interval;
  }

  /** Creates {@code demo.orders} if needed and starts committing. */
  public void start() {
    table = writer.createOrLoad(Orders.DEMO, Orders.SCHEMA, Orders.BY_DAY);
    scheduler.scheduleWithFixedDelay(
        this::tickSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  public long commits() {
    return commits.get();
  }

  private void tickSafely() {
    try {
      table.refresh();
      Snapshot snapshot = tick(tick++);
      commits.incrementAndGet();
      LOG.info(
          "demo.orders: {} snapshot {} ({} records in total)",
          snapshot.operation(),
          snapshot.snapshotId(),
          snapshot.summary().get("total-records"));
    } catch (RuntimeException e) {
      // A failed commit (a concurrent writer, a catalog restart) is retried on the next tick.
      LOG.warn("demo.orders: commit failed, retrying next tick: {}", e.toString());
    }
  }

  private Snapshot tick(long n) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    if (n > 0 && n % 20 == 0) {
      return writer.compact(table);
    }
    if (n > 0 && n % 9 == 0) {
      return writer.deleteRowsByPosition(table, Expressions.equal("status", "CANCELLED"));
    }
    if (n > 0 && n % 13 == 0) {
      OffsetDateTime dayBefore = now.truncatedTo(ChronoUnit.DAYS).minusDays(2);
      return writer.overwrite(
          table,
          Expressions.and(
              Expressions.greaterThanOrEqual("order_ts", micros(dayBefore)),
              Expressions.lessThan("order_ts", micros(dayBefore.plusDays(1)))),
          Orders.generate(table, random, nextIds(200), 200, dayBefore, Duration.ofDays(1)));
    }
    if (n % 5 == 4) {
      OffsetDateTime late = now.minusDays(1 + random.nextInt(3));
      return writer.append(
          table, Orders.generate(table, random, nextIds(20), 20, late, Duration.ofHours(6)));
    }
    int count = 50 + random.nextInt(450);
    return writer.append(
        table,
        Orders.generate(
            table, random, nextIds(count), count, now.minusMinutes(10), Duration.ofMinutes(10)));
  }

  private static long micros(OffsetDateTime t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t.toInstant());
  }

  private long nextIds(int count) {
    return nextOrderId.getAndAdd(count);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
