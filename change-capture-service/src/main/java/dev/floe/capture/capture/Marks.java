package dev.floe.capture.capture;

import dev.floe.capture.range.RangeCalculator.FieldBounds;
import dev.floe.icdc.Bounds;
import dev.floe.icdc.IcdcStates;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Type;

/**
 * High-water marks of a capture's tracked fields: the largest value captured so far, recorded in
 * each state's summary ({@link CaptureProcessor#HWM}), and whether a change brings late data (an
 * event time below the mark).
 */
final class Marks {
  private Marks() {}

  /** A change's marks, and whether it is late. */
  record Next(Map<Integer, Object> marks, boolean late) {}

  /**
   * The high-water marks before {@code snapshot}: those recorded by the capture's latest state of
   * an earlier source snapshot, among its committed states and {@code pending} (summaries of
   * changes of the same batch, committed with it). Recomputing them for a snapshot captured before
   * gives the same.
   */
  static Map<Integer, Object> before(
      Table icdc, List<Map<String, String>> pending, Snapshot snapshot) {
    // Committed first: a change of the group committed before (a capture again after a crash)
    // keeps the marks it committed, which win over what this capture computed for it.
    List<Map<String, String>> summaries = new ArrayList<>();
    for (var ref : icdc.refs().entrySet()) {
      String name = ref.getKey();
      if (name.startsWith(IcdcStates.CHANGE_PREFIX)
          || name.startsWith(IcdcStates.REMOVED_PREFIX)
          || name.startsWith(IcdcStates.OMITTED_PREFIX)) {
        summaries.add(icdc.snapshot(ref.getValue().snapshotId()).summary());
      }
    }
    summaries.addAll(pending);
    Map<String, String> latest = null;
    long latestOrder = Long.MIN_VALUE;
    long limit = order(snapshot);
    for (Map<String, String> summary : summaries) {
      long order = order(summary);
      if (order < limit && order > latestOrder) {
        latest = summary;
        latestOrder = order;
      }
    }
    Map<Integer, Object> marks = new HashMap<>();
    if (latest != null) {
      for (Map.Entry<String, String> e : latest.entrySet()) {
        if (e.getKey().startsWith(CaptureProcessor.HWM)) {
          int fieldId = Integer.parseInt(e.getKey().substring(CaptureProcessor.HWM.length()));
          Type type = icdc.schema().findType(fieldId);
          if (type != null && type.isPrimitiveType()) {
            marks.put(fieldId, Bounds.deserialize(type.asPrimitiveType(), e.getValue()));
          }
        }
      }
    }
    return marks;
  }

  /** The marks after a change with {@code bounds}; late when an event time fell below its mark. */
  static Next next(Map<Integer, Object> previous, List<FieldBounds> bounds) {
    boolean late = false;
    Map<Integer, Object> marks = new HashMap<>(previous);
    for (FieldBounds b : bounds) {
      if (b.min() == null) {
        continue;
      }
      int id = b.range().fieldId();
      Comparator<Object> order = order(b.type());
      Object mark = previous.get(id);
      if (mark != null && eventTime(b.type()) && order.compare(b.min(), mark) < 0) {
        late = true;
      }
      marks.put(id, mark == null || order.compare(b.max(), mark) > 0 ? b.max() : mark);
    }
    return new Next(marks, late);
  }

  /** Orders source snapshots: by sequence number, then commit time (format v1 has no sequence). */
  private static long order(Map<String, String> summary) {
    return Long.parseLong(summary.getOrDefault(CaptureProcessor.SOURCE_SEQUENCE, "0"))
            * 1_000_000_000_000_000L
        + Long.parseLong(summary.getOrDefault(CaptureProcessor.SOURCE_COMMITTED, "0"))
            % 1_000_000_000_000_000L;
  }

  private static long order(Snapshot snapshot) {
    return snapshot.sequenceNumber() * 1_000_000_000_000_000L
        + snapshot.timestampMillis() % 1_000_000_000_000_000L;
  }

  /** Late data is about event time: only date and timestamp fields decide it. */
  private static boolean eventTime(Type.PrimitiveType type) {
    return switch (type.typeId()) {
      case DATE, TIMESTAMP, TIMESTAMP_NANO -> true;
      default -> false;
    };
  }

  @SuppressWarnings("unchecked")
  private static Comparator<Object> order(Type.PrimitiveType type) {
    return (Comparator<Object>) Comparators.forType(type);
  }
}
