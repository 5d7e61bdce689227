package dev.floe.capture.pin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongPredicate;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Pins released by consumption, on a real table of a real catalog: only snapshots older than the
 * oldest any reader still needs, every capture of a table in one metadata commit, and the source's
 * own expiry then removes what was released and keeps what is still pinned.
 */
@Tag("unit")
class SourcePinsTest {
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 20, 0, 0, 0, 0, ZoneOffset.UTC);
  private static CatalogFixture fixture;
  private static TableWriter writer;

  private Table source;
  private final List<Long> s = new ArrayList<>();

  @BeforeAll
  static void catalog() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("pins"));
    writer = new TableWriter(fixture.catalog());
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  /** Five appends, every one pinned by captures a and b. */
  @BeforeEach
  void fiveSnapshotsPinnedByTwoCaptures() {
    String name = "orders_" + UUID.randomUUID().toString().substring(0, 8);
    source = writer.createOrLoad(TableIdentifier.of("pins", name), Orders.SCHEMA, Orders.BY_DAY);
    for (int i = 1; i <= 5; i++) {
      s.add(
          writer
              .append(
                  source,
                  List.of(Orders.order(source, i, "eu", "NEW", BigDecimal.ONE, DAY.plusHours(i))))
              .snapshotId());
    }
    SourcePins.pin(
        source,
        List.of(
            new SourcePins.Request("a", s, Duration.ofDays(3)),
            new SourcePins.Request("b", s, Duration.ofDays(3))));
    source.refresh();
  }

  @Test
  void onlySnapshotsOlderThanTheOldestAnyReaderNeedsAreConsumed() {
    // One reader needs 3 and 4 (a change pending from 3, and what it saw), the other 2 and 5.
    LongPredicate consumed =
        SourcePins.consumed(
            source, List.of(List.of(s.get(3), s.get(2)), List.of(s.get(4), s.get(1))));
    assertThat(s.stream().filter(consumed::test).toList()).containsExactly(s.get(0));

    // Both readers have moved on to the head: everything before it is consumed.
    LongPredicate caughtUp =
        SourcePins.consumed(source, List.of(List.of(s.get(4)), List.of(s.get(4))));
    assertThat(s.stream().filter(caughtUp::test).toList())
        .containsExactlyElementsOf(s.subList(0, 4));
  }

  @Test
  void aReaderThatSaidNothingOrNeedsOnlySnapshotsThatAreGoneHoldsEverything() {
    assertThat(s)
        .noneMatch(SourcePins.consumed(source, List.of(List.of(s.get(4)), List.of()))::test);
    assertThat(s)
        .noneMatch(SourcePins.consumed(source, List.of(List.of(s.get(4)), List.of(42L)))::test);
    assertThat(s).noneMatch(SourcePins.consumed(source, List.of())::test);
  }

  @Test
  void everyCaptureOfATableReleasesInOneCommitAndTheSourcesExpiryThenRemovesOnlyWhatWasReleased() {
    int metadataBefore = metadataFiles();
    LongPredicate beforeThird = SourcePins.consumed(source, List.of(List.of(s.get(2))));
    LongPredicate beforeFourth = SourcePins.consumed(source, List.of(List.of(s.get(3))));

    Map<String, List<Long>> released =
        SourcePins.release(source, Map.of("a", beforeThird, "b", beforeFourth));

    assertThat(released.get("a")).containsExactlyInAnyOrderElementsOf(s.subList(0, 2));
    assertThat(released.get("b")).containsExactlyInAnyOrderElementsOf(s.subList(0, 3));
    assertThat(metadataFiles())
        .as("one metadata commit for both captures")
        .isEqualTo(metadataBefore + 1);
    assertThat(SourcePins.pinned(source, "a")).containsExactlyInAnyOrderElementsOf(s.subList(2, 5));
    assertThat(SourcePins.pinned(source, "b")).containsExactlyInAnyOrderElementsOf(s.subList(3, 5));

    // Nothing left to release: no commit at all.
    assertThat(SourcePins.release(source, Map.of("a", beforeThird))).isEmpty();
    assertThat(metadataFiles()).isEqualTo(metadataBefore + 1);

    // The source's own expiry (metadata only: no source file is ever deleted) removes the released
    // snapshots and keeps each one a capture still pins.
    TableWriter.expireUnreferenced(source);
    assertThat(s.stream().filter(id -> source.snapshot(id) != null).toList())
        .containsExactlyElementsOf(s.subList(2, 5));
  }

  @Test
  void onAFormatOneTableOlderMeansAStrictAncestorWhateverTheCommitTimes() {
    Table v1 =
        fixture
            .catalog()
            .createTable(
                TableIdentifier.of("pins", "v1_" + UUID.randomUUID().toString().substring(0, 8)),
                Orders.SCHEMA,
                Orders.BY_DAY,
                Map.of("format-version", "1"));
    List<Long> ids = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      ids.add(
          writer
              .append(v1, List.of(Orders.order(v1, i, "eu", "NEW", BigDecimal.ONE, DAY)))
              .snapshotId());
    }
    assertThat(ids).allMatch(id -> v1.snapshot(id).sequenceNumber() == 0);
    assertThat(ids.stream().filter(SourcePins.consumed(v1, List.of(List.of(ids.get(2))))::test))
        .containsExactly(ids.get(0), ids.get(1));
    // Two readers: only what is an ancestor of both is consumed.
    assertThat(
            ids.stream()
                .filter(
                    SourcePins.consumed(v1, List.of(List.of(ids.get(2)), List.of(ids.get(1))))
                        ::test))
        .containsExactly(ids.get(0));
  }

  private int metadataFiles() {
    source.refresh();
    return ((HasTableOperations) source).operations().current().previousFiles().size();
  }
}
