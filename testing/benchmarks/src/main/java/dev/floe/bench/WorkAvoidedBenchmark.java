package dev.floe.bench;

import dev.floe.capture.capture.CaptureProcessor;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.TableRefs;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

/**
 * The work a daily job avoids by reading Floe's change instead of its look-back window: Netflix's
 * comparison (an incremental pipeline on ICDC tables needed about 10% of the resources of a 14-day
 * look-back), measured here on real Parquet.
 *
 * <p>A day-partitioned orders table gets one commit a day: that day's orders, plus late orders for
 * the three days before it (5% of the commit's rows by default). The job keeps the order count and
 * revenue of each of the last 14 days. Two ways of running it each day are measured side by side:
 *
 * <ul>
 *   <li><b>look-back</b>: scan the 14-day window (partition-pruned) and recompute every day's
 *       figures, as jobs do when they cannot tell what changed;
 *   <li><b>incremental</b>: read the day's ICDC state, which the service's own {@link
 *       CaptureProcessor} commits from the day's snapshot, and add its rows to the figures of the
 *       days they fall on.
 * </ul>
 *
 * <p>Rows read are counted by the reader, bytes by a FileIO that counts what it reads ({@link
 * CountingFileIO}, manifests and Parquet alike). The capture's own time and bytes are reported too,
 * and counted with the incremental job. After every measured day the two results must be equal, or
 * the benchmark fails.
 *
 * <pre>testing/bin/floe-bench work-avoided [--rows-per-day 100000] [--late-percent 5] [--days 7]
 * </pre>
 */
public final class WorkAvoidedBenchmark {
  private static final int WINDOW_DAYS = 14;
  private static final LocalDate FIRST_DAY = LocalDate.of(2026, 10, 1);

  private WorkAvoidedBenchmark() {}

  /** What one way of running one day's job cost. */
  record Cost(long rows, long bytes, long micros) {}

  /** One measured day. */
  record Day(LocalDate day, Cost lookBack, Cost incremental, Cost capture) {}

  /** Order count and revenue (in cents) of one day. */
  record Totals(long orders, long cents) {
    Totals plus(long moreOrders, long moreCents) {
      return new Totals(orders + moreOrders, cents + moreCents);
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = Bench.options(args);
    int rowsPerDay = Integer.parseInt(options.getOrDefault("--rows-per-day", "100000"));
    int latePercent = Integer.parseInt(options.getOrDefault("--late-percent", "5"));
    int measuredDays = Integer.parseInt(options.getOrDefault("--days", "7"));
    List<Day> days =
        run(rowsPerDay, latePercent, measuredDays, FloeStack.workDir("bench-work-avoided"));
    System.out.println(print(days, rowsPerDay, latePercent));
    writeJson(
        days, rowsPerDay, latePercent, Path.of("testing/benchmarks/target/work-avoided.json"));
    Figures.record("work-avoided", figures(days));
  }

  /**
   * Incremental against look-back, as fractions. Rows and bytes depend only on the data, so they
   * may not move by more than 5%; times vary with the machine.
   */
  private static List<Figures.Figure> figures(List<Day> days) {
    Cost look = medianCost(days.stream().map(Day::lookBack).toList());
    Cost inc = medianCost(days.stream().map(Day::incremental).toList());
    Cost cap = medianCost(days.stream().map(Day::capture).toList());
    return List.of(
        Figures.Figure.lower("work-avoided rows ratio", (double) inc.rows() / look.rows(), 0.05),
        Figures.Figure.lower("work-avoided bytes ratio", (double) inc.bytes() / look.bytes(), 0.05),
        Figures.Figure.lower(
            "work-avoided bytes ratio with capture",
            (double) (inc.bytes() + cap.bytes()) / look.bytes(),
            0.05),
        Figures.Figure.lower("work-avoided time ratio", (double) inc.micros() / look.micros(), 0.5),
        Figures.Figure.lower(
            "work-avoided time ratio with capture",
            (double) (inc.micros() + cap.micros()) / look.micros(),
            0.5));
  }

  /**
   * Runs the 14 days that fill the window, then measures {@code measuredDays} more.
   *
   * @throws IllegalStateException when on some day the incremental figures are not the look-back's
   */
  static List<Day> run(int rowsPerDay, int latePercent, int measuredDays, Path home)
      throws Exception {
    try (CatalogFixture fixture = CatalogFixture.start(CatalogKind.SQLITE, home)) {
      Catalog catalog = Bench.countingCatalog(fixture);
      TableWriter writer = new TableWriter(catalog);
      CaptureProcessor processor = new CaptureProcessor(() -> catalog, Clock.systemUTC());
      Table source =
          writer.createOrLoad(TableIdentifier.of("bench", "orders"), Orders.SCHEMA, Orders.BY_DAY);
      TableRef ref = new TableRef(fixture.name(), List.of("bench"), "orders");
      CaptureDefined capture = capture(fixture.name(), ref);
      Random random = new Random(7);
      Map<LocalDate, Totals> incremental = new TreeMap<>();
      List<Day> days = new ArrayList<>();
      long nextId = 1;

      // The first 14 days fill the window; the days after it are measured.
      for (int d = 0; d < WINDOW_DAYS + measuredDays; d++) {
        LocalDate day = FIRST_DAY.plusDays(d);
        List<Record> rows = new ArrayList<>();
        for (int i = 0; i < rowsPerDay; i++) {
          int lateBy =
              d > 0 && random.nextInt(100) < latePercent ? 1 + random.nextInt(Math.min(3, d)) : 0;
          OffsetDateTime at =
              day.minusDays(lateBy)
                  .atStartOfDay()
                  .atOffset(ZoneOffset.UTC)
                  .plusSeconds(random.nextInt(86_400));
          long cents = 100 + random.nextInt(99_900);
          rows.add(
              Orders.order(source, nextId++, "eu-west", "NEW", BigDecimal.valueOf(cents, 2), at));
        }
        Snapshot snapshot = writer.append(source, rows);
        source.refresh();

        CountingFileIO.reset();
        long t0 = System.nanoTime();
        CaptureProcessor.Outcome outcome =
            processor.process(capture, Bench.committed(ref, source, snapshot));
        Cost captureCost =
            new Cost(0, CountingFileIO.bytesRead(), (System.nanoTime() - t0) / 1_000);
        ChangeCaptured change = outcome.event();
        if (change == null) {
          throw new IllegalStateException("day " + day + " was not captured: " + outcome);
        }

        Cost incrementalCost = addChange(catalog, change.icdc(), incremental);
        incremental.keySet().removeIf(k -> k.isBefore(day.minusDays(WINDOW_DAYS - 1)));
        if (d < WINDOW_DAYS) {
          continue;
        }
        Map<LocalDate, Totals> recomputed = new TreeMap<>();
        Cost lookBackCost = lookBack(source, day, recomputed);
        if (!recomputed.equals(incremental)) {
          throw new IllegalStateException(
              "on " + day + " the incremental figures " + incremental + " are not " + recomputed);
        }
        days.add(new Day(day, lookBackCost, incrementalCost, captureCost));
        System.out.printf(
            "%s: look-back %,d rows %,d B %d ms; incremental %,d rows %,d B %d ms%n",
            day,
            lookBackCost.rows(),
            lookBackCost.bytes(),
            lookBackCost.micros() / 1000,
            incrementalCost.rows(),
            incrementalCost.bytes(),
            incrementalCost.micros() / 1000);
      }
      return days;
    }
  }

  /** The incremental job: the change's rows, added to the figures of the days they fall on. */
  private static Cost addChange(Catalog catalog, IcdcRef icdc, Map<LocalDate, Totals> totals) {
    return aggregate(
        () -> {
          Table state = catalog.loadTable(TableRefs.identifier(icdc.table()));
          return IcebergGenerics.read(state).useSnapshot(icdc.snapshotId()).build();
        },
        totals);
  }

  /** The look-back job: every row of the 14 days up to {@code day}, partition-pruned. */
  private static Cost lookBack(Table source, LocalDate day, Map<LocalDate, Totals> totals) {
    OffsetDateTime from = day.minusDays(WINDOW_DAYS - 1).atStartOfDay().atOffset(ZoneOffset.UTC);
    OffsetDateTime to = day.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC);
    return aggregate(
        () ->
            IcebergGenerics.read(source)
                .where(
                    Expressions.and(
                        Expressions.greaterThanOrEqual("order_ts", micros(from)),
                        Expressions.lessThan("order_ts", micros(to))))
                .build(),
        totals);
  }

  /** Adds every row {@code scan} opens and reads to {@code totals}, and what that cost. */
  private static Cost aggregate(
      Supplier<CloseableIterable<Record>> scan, Map<LocalDate, Totals> totals) {
    CountingFileIO.reset();
    long t0 = System.nanoTime();
    long rows = 0;
    try (CloseableIterable<Record> records = scan.get()) {
      for (Record r : records) {
        add(totals, r);
        rows++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Cost(rows, CountingFileIO.bytesRead(), (System.nanoTime() - t0) / 1_000);
  }

  private static long micros(OffsetDateTime at) {
    return at.toEpochSecond() * 1_000_000L;
  }

  private static void add(Map<LocalDate, Totals> totals, Record r) {
    LocalDate day = ((OffsetDateTime) r.getField("order_ts")).toLocalDate();
    long cents = ((BigDecimal) r.getField("amount")).movePointRight(2).longValueExact();
    totals.merge(day, new Totals(1, cents), (a, b) -> a.plus(b.orders(), b.cents()));
  }

  private static CaptureDefined capture(String catalogName, TableRef ref) {
    return new CaptureDefined(
        "work-avoided",
        ref,
        "main",
        List.of("order_ts"),
        Arrays.asList(ChangeKind.values()),
        new TableRef(catalogName, List.of("floe_icdc"), "bench__orders__work_avoided"),
        Duration.ZERO,
        Duration.ofDays(7),
        Duration.ofDays(3),
        false,
        false,
        false,
        null,
        null,
        "bench",
        Instant.now());
  }

  private static String print(List<Day> days, int rowsPerDay, int latePercent) {
    Cost look = medianCost(days.stream().map(Day::lookBack).toList());
    Cost inc = medianCost(days.stream().map(Day::incremental).toList());
    Cost cap = medianCost(days.stream().map(Day::capture).toList());
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%nA daily job over a %d-day window, %,d rows a day (%d%% late, up to 3 days), real"
                + " Parquet, JdbcCatalog on SQLite, median of %d days, %d cores:%n%n",
            WINDOW_DAYS,
            rowsPerDay,
            latePercent,
            days.size(),
            Runtime.getRuntime().availableProcessors()));
    out.append("| job | rows read | bytes read | time |\n|---|---|---|---|\n");
    out.append(row("14-day look-back", look));
    out.append(row("incremental on the ICDC change", inc));
    out.append(row("capture of the change (Floe's cost)", cap));
    Cost total = new Cost(inc.rows(), inc.bytes() + cap.bytes(), inc.micros() + cap.micros());
    out.append(row("incremental + capture", total));
    out.append(
        String.format(
            "%nIncremental / look-back: rows %.1f%%, bytes %.1f%%, time %.1f%%;"
                + " with the capture: bytes %.1f%%, time %.1f%%. Netflix reported about 10%%.%n",
            100.0 * inc.rows() / look.rows(),
            100.0 * inc.bytes() / look.bytes(),
            100.0 * inc.micros() / look.micros(),
            100.0 * total.bytes() / look.bytes(),
            100.0 * total.micros() / look.micros()));
    return out.toString();
  }

  private static String row(String name, Cost c) {
    return String.format(
        "| %s | %,d | %,d B | %.1f ms |%n", name, c.rows(), c.bytes(), c.micros() / 1000.0);
  }

  private static Cost medianCost(List<Cost> costs) {
    return new Cost(
        Bench.median(costs.stream().map(Cost::rows).toList()),
        Bench.median(costs.stream().map(Cost::bytes).toList()),
        Bench.median(costs.stream().map(Cost::micros).toList()));
  }

  private static void writeJson(List<Day> days, int rowsPerDay, int latePercent, Path file)
      throws IOException {
    StringBuilder json =
        new StringBuilder(
            String.format(
                "{\"benchmark\":\"work-avoided\",\"windowDays\":%d,\"rowsPerDay\":%d,"
                    + "\"latePercent\":%d,\"days\":[",
                WINDOW_DAYS, rowsPerDay, latePercent));
    String sep = "";
    for (Day d : days) {
      json.append(sep)
          .append(
              String.format(
                  "{\"day\":\"%s\",\"lookBack\":%s,\"incremental\":%s,\"capture\":%s}",
                  d.day(), json(d.lookBack()), json(d.incremental()), json(d.capture())));
      sep = ",";
    }
    json.append("]}\n");
    Files.createDirectories(file.getParent());
    Files.writeString(file, json.toString());
    System.out.println("written " + file);
  }

  private static String json(Cost c) {
    return String.format(
        "{\"rows\":%d,\"bytes\":%d,\"micros\":%d}", c.rows(), c.bytes(), c.micros());
  }
}
