package dev.floe.capture.icdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.capture.IcdcOracle;
import dev.floe.capture.capture.CaptureProcessor;
import dev.floe.capture.flow.SnapshotFeed;
import dev.floe.capture.pin.SourcePins;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcTables;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Floe never deletes a source file: not when ICDC states expire, not when their metadata is cleaned
 * up, not when pins are released, not when the ICDC table is dropped with purge. On every catalog.
 */
class IcdcSafetyTest {
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 20, 0, 0, 0, 0, ZoneOffset.UTC);

  @ParameterizedTest
  @EnumSource(CatalogKind.class)
  void expiryCleanUpAndPurgeLeaveEverySourceFileInPlace(CatalogKind kind) {
    try (CatalogFixture fixture = CatalogFixture.start(kind, FloeStack.workDir("safety-" + kind))) {
      TableWriter writer = new TableWriter(fixture.catalog());
      Table source =
          writer.createOrLoad(TableIdentifier.of("safe", "orders"), Orders.SCHEMA, Orders.BY_DAY);
      CaptureDefined capture =
          new CaptureDefined(
              "safe-orders",
              new TableRef(fixture.name(), List.of("safe"), "orders"),
              "main",
              List.of("order_ts"),
              Arrays.asList(ChangeKind.values()),
              new TableRef(fixture.name(), List.of("floe_icdc"), "safe__orders"),
              Duration.ZERO,
              Duration.ofSeconds(1),
              Duration.ofSeconds(1),
              true,
              false,
              false,
              null,
              null,
              "test",
              Instant.now());
      CaptureProcessor processor = new CaptureProcessor(fixture::catalog, Clock.systemUTC());

      // Appends, an overwrite (a removed state), row-level deletes of both kinds: every kind of
      // file an ICDC state references.
      List<Snapshot> commits = new ArrayList<>();
      commits.add(writer.append(source, orders(source, 1, 0)));
      commits.add(writer.append(source, orders(source, 11, 1)));
      commits.add(
          writer.overwrite(
              source,
              Expressions.equal(Expressions.day("order_ts"), (int) DAY.toLocalDate().toEpochDay()),
              orders(source, 21, 0)));
      commits.add(writer.deleteRowsByPosition(source, Expressions.equal("order_id", 12L)));
      commits.add(writer.deleteRowsByEquality(source, "order_id", List.of(13L)));
      TableRef ref = capture.table();
      List<ChangeCaptured> captured = new ArrayList<>();
      for (Snapshot s : commits) {
        captured.add(processor.process(capture, SnapshotFeed.committed(ref, source, s)).event());
      }
      source.refresh();
      Set<String> sourceFiles = files(source.location());
      List<String> sourceRows = IcdcOracle.rows(source, source.currentSnapshot().snapshotId());
      Table icdc = fixture.catalog().loadTable(IcdcTables.identifier(capture));
      // An added state per change; a removed one for the overwrite and each row-level delete,
      // whose data files are in both, with the deletes of each end.
      assertThat(IcdcMaintenance.states(icdc)).isEqualTo(commits.size() + 3);
      assertThat(captured).allMatch(c -> c.icdc() != null);
      assertThat(SourcePins.pinned(source, capture.captureId())).isNotEmpty();
      int manifestsBefore = avroFiles(icdc).size();

      // The one-second TTL passes: expiry removes every state, the clean-up their manifests.
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                IcdcMaintenance.expire(icdc, Instant.now());
                return IcdcMaintenance.states(icdc) == 0;
              });
      int cleaned = IcdcMaintenance.cleanMetadata(icdc, Instant.now(), Duration.ZERO);
      assertThat(cleaned).isPositive();
      assertThat(avroFiles(icdc)).hasSizeLessThan(manifestsBefore);
      assertThat(SourcePins.releaseExpired(source, capture.captureId(), System.currentTimeMillis()))
          .isPositive();
      assertThat(SourcePins.pinned(source, capture.captureId())).isEmpty();
      assertSourceIntact(fixture, sourceFiles, sourceRows);

      // Dropping the ICDC table with purge deletes its own files and none of the source's.
      String icdcLocation = icdc.location();
      assertThat(fixture.catalog().dropTable(IcdcTables.identifier(capture), true)).isTrue();
      assertThat(fixture.catalog().tableExists(IcdcTables.identifier(capture))).isFalse();
      assertSourceIntact(fixture, sourceFiles, sourceRows);
      assertThat(files(icdcLocation)).noneMatch(p -> p.endsWith(".parquet"));
    }
  }

  private static void assertSourceIntact(
      CatalogFixture fixture, Set<String> sourceFiles, List<String> sourceRows) {
    Table source = fixture.catalog().loadTable(TableIdentifier.of("safe", "orders"));
    assertThat(files(source.location())).containsAll(sourceFiles);
    assertThat(IcdcOracle.rows(source, source.currentSnapshot().snapshotId()))
        .isEqualTo(sourceRows);
  }

  private static List<Record> orders(Table table, long first, int day) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      rows.add(
          Orders.order(
              table,
              first + i,
              "eu-west",
              "NEW",
              BigDecimal.valueOf(100 + i, 2),
              DAY.plusDays(day).plusMinutes(i)));
    }
    return rows;
  }

  private static List<String> avroFiles(Table icdc) {
    return files(icdc.location()).stream().filter(p -> p.endsWith(".avro")).toList();
  }

  /** Every file under a table's location, data and metadata. */
  static Set<String> files(String location) {
    Path root = Path.of(URI.create(location.startsWith("file:") ? location : "file:" + location));
    if (!Files.exists(root)) {
      return Set.of();
    }
    try (var walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .map(Path::toString)
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
