package dev.floe.bench.micro;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.ChangeStats;
import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.PartitionRef;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding and decoding of a {@code ChangeCaptured}, the event every capture publishes and every
 * trigger-service and downstream consumer reads: two field ranges and 14 changed partitions, as a
 * daily table with late data produces.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EventCodecBenchmark {
  private Event event;
  private byte[] encoded;

  @Setup
  public void setUp() {
    TableRef table = new TableRef("lake", List.of("sales"), "orders");
    List<PartitionRef> partitions = new ArrayList<>();
    for (int day = 1; day <= 14; day++) {
      String value = String.format("2026-11-%02d", day);
      partitions.add(new PartitionRef(0, "order_ts_day=" + value, Map.of("order_ts_day", value)));
    }
    Instant at = Instant.parse("2026-11-26T10:15:30Z");
    ChangeCaptured change =
        new ChangeCaptured(
            "orders-daily",
            table,
            "5b0c7a8e-2f7d-4c59-9d7e-0d6f1b2c3a4e",
            new SnapshotRange(4_000_000_001L, 4_000_000_002L, List.of(4_000_000_002L)),
            ChangeKind.APPEND,
            new ChangeStats(10, 0, 0, 0, 100_000, 0, 0, 0, 943_615, 0),
            new IcdcRef(
                new TableRef("lake", List.of("floe_icdc"), "orders_daily"),
                "change-4000000002",
                7_000_000_002L,
                "file:/warehouse/floe_icdc/orders_daily/metadata/00042.metadata.json"),
            null,
            List.of(
                new FieldRange(
                    "order_ts",
                    6,
                    "timestamptz",
                    "2026-11-01T00:00:03Z",
                    "2026-11-14T23:59:58Z",
                    Exactness.EXACT),
                new FieldRange("order_id", 1, "long", "1", "100000", Exactness.EXACT)),
            partitions,
            true,
            at,
            at.plusMillis(180),
            null,
            null);
    event = Event.of(change, Event.sourceOf("change-capture-service"), at.plusMillis(181));
    encoded = EventCodec.encode(event);
  }

  @Benchmark
  public byte[] encode() {
    return EventCodec.encode(event);
  }

  @Benchmark
  public Event decode() {
    return EventCodec.decode(encoded);
  }
}
