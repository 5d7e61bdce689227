package dev.floe.capture.capture;

import dev.floe.capture.change.ChangeSet;
import dev.floe.capture.range.RangeCalculator.FieldBounds;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.icdc.Bounds;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * What a capture's ICDC state records about its change, in its snapshot's summary: the capture, the
 * source snapshot and its order, the kind of change, late data, and the high-water marks.
 */
final class StateSummary {
  private StateSummary() {}

  /** The summary of {@code snapshot}'s states; mutable, for the capture to add to. */
  static Map<String, String> of(
      CaptureDefined capture,
      Table source,
      Snapshot snapshot,
      ChangeSet change,
      List<FieldBounds> bounds,
      Map<Integer, Object> marks,
      boolean late) {
    Map<String, String> summary = new LinkedHashMap<>();
    summary.put(CaptureProcessor.CAPTURE_ID, capture.captureId());
    summary.put(CaptureProcessor.SOURCE_UUID, source.uuid().toString());
    summary.put(CaptureProcessor.SOURCE_SNAPSHOT, Long.toString(snapshot.snapshotId()));
    if (snapshot.parentId() != null) {
      summary.put(CaptureProcessor.SOURCE_PARENT, Long.toString(snapshot.parentId()));
    }
    summary.put(CaptureProcessor.SOURCE_SEQUENCE, Long.toString(snapshot.sequenceNumber()));
    summary.put(CaptureProcessor.SOURCE_COMMITTED, Long.toString(snapshot.timestampMillis()));
    summary.put(CaptureProcessor.KIND, change.kind().wireName());
    summary.put(CaptureProcessor.LATE, Boolean.toString(late));
    for (FieldBounds b : bounds) {
      Object mark = marks.get(b.range().fieldId());
      if (b.type() != null && mark != null) {
        summary.put(CaptureProcessor.HWM + b.range().fieldId(), Bounds.serialize(b.type(), mark));
      }
    }
    return summary;
  }
}
