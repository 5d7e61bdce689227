package dev.floe.trigger;

import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.ChangeStats;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.List;

/** Captured changes as the change-capture-service publishes them, for the trigger's tests. */
public final class TestChanges {
  /** The source table of {@link #appended}. */
  public static final TableRef ORDERS = new TableRef("lake", List.of("demo"), "orders");

  private TestChanges() {}

  /**
   * Change {@code snapshot} of {@code capture} on {@link #ORDERS}: an append of 10 records in one
   * file, its ICDC state {@code change-<snapshot>} in {@code floe_icdc.<capture>}.
   */
  public static ChangeCaptured appended(String capture, long snapshot) {
    return new ChangeCaptured(
        capture,
        ORDERS,
        "uuid",
        new SnapshotRange(snapshot - 1, snapshot, List.of(snapshot)),
        ChangeKind.APPEND,
        new ChangeStats(1, 0, 0, 0, 10, 0, 0, 0, 1000, 0),
        new IcdcRef(
            new TableRef("lake", List.of("floe_icdc"), capture),
            "change-" + snapshot,
            snapshot * 10,
            "file:/warehouse/icdc/metadata/00001.metadata.json"),
        null,
        List.of(),
        List.of(),
        false,
        Instant.now(),
        Instant.now(),
        null,
        null);
  }
}
