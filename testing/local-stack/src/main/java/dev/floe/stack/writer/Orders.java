package dev.floe.stack.writer;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/**
 * The demo's {@code demo.orders} table, also the default table of tests: typed like a real order
 * fact table (long ids, a decimal amount, a timestamp with zone, strings), partitioned by day of
 * {@code order_ts}.
 */
public final class Orders {
  public static final TableIdentifier DEMO = TableIdentifier.of("demo", "orders");

  public static final Schema SCHEMA =
      new Schema(
          required(1, "order_id", Types.LongType.get()),
          required(2, "customer_id", Types.LongType.get()),
          required(3, "region", Types.StringType.get()),
          required(4, "status", Types.StringType.get()),
          required(5, "amount", Types.DecimalType.of(12, 2)),
          required(6, "order_ts", Types.TimestampType.withZone()),
          optional(7, "note", Types.StringType.get()));

  public static final PartitionSpec BY_DAY =
      PartitionSpec.builderFor(SCHEMA).day("order_ts").build();

  private static final List<String> REGIONS = List.of("eu-west", "us-east", "ap-south");
  private static final List<String> STATUSES = List.of("NEW", "PAID", "SHIPPED", "CANCELLED");

  private Orders() {}

  public static Record order(
      Table table,
      long orderId,
      String region,
      String status,
      BigDecimal amount,
      OffsetDateTime ts) {
    return TableWriter.record(
        table,
        Map.of(
            "order_id", orderId,
            "customer_id", 1000 + orderId % 97,
            "region", region,
            "status", status,
            "amount", amount.setScale(2, RoundingMode.HALF_UP),
            "order_ts", ts));
  }

  /**
   * {@code count} orders with ids from {@code firstId}, timestamps spread over {@code [from, from +
   * span)}, and random regions, statuses and amounts.
   */
  public static List<Record> generate(
      Table table, Random random, long firstId, int count, OffsetDateTime from, Duration span) {
    List<Record> orders = new ArrayList<>(count);
    long spanMillis = Math.max(1, span.toMillis());
    for (int i = 0; i < count; i++) {
      orders.add(
          order(
              table,
              firstId + i,
              REGIONS.get(random.nextInt(REGIONS.size())),
              STATUSES.get(random.nextInt(STATUSES.size())),
              BigDecimal.valueOf(100 + random.nextInt(99_900), 2),
              from.plusNanos((long) (random.nextDouble() * spanMillis) * 1_000_000L)));
    }
    return orders;
  }
}
