package dev.floe.capture.engine;

import dev.floe.broker.Failures;
import dev.floe.capture.capture.CaptureProcessor;
import dev.floe.capture.pin.SourcePins;
import dev.floe.capture.rows.RowEvent;
import dev.floe.capture.rows.RowPublisher;
import dev.floe.capture.status.CaptureMetrics;
import dev.floe.catalog.CatalogFailures;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * One snapshot through every capture of its table: commits the ICDC states, pins the source, and
 * answers what to publish. No Kafka here; the capture loop sends the answer in one transaction with
 * the snapshot's offset.
 *
 * <p>Idempotent: the ICDC states and pins it commits are recognised on a second call, which then
 * answers the same events, so an aborted transaction is mended by capturing again.
 */
final class SnapshotCapture {
  private static final Logger LOG = Logger.getLogger(SnapshotCapture.class);

  /** The broker's and the catalog's failures are retried; the rest is permanent for the input. */
  static final Failures FAILURES = Failures.of(CatalogFailures::isTransient);

  /** A failure a retry may mend (see {@link #FAILURES}); the snapshot is captured again later. */
  static final class Retry extends RuntimeException {
    Retry(Throwable cause) {
      super(cause);
    }
  }

  /** Input that goes to the dead-letter topic with its reason; the snapshot's events still go. */
  record Rejection(String reason, String cause) {}

  /**
   * What to send for one snapshot.
   *
   * @param events {@code ChangeCaptured} and {@code ChangeLost}, in capture order
   * @param rows the row stream's records, transaction markers included
   * @param rowChanges how many of {@code rows} are row changes
   */
  record Result(
      List<Payload> events, List<Rejection> rejections, List<RowEvent> rows, long rowChanges) {
    List<ChangeCaptured> captured() {
      return events.stream()
          .filter(ChangeCaptured.class::isInstance)
          .map(ChangeCaptured.class::cast)
          .toList();
    }
  }

  private final CaptureRegistry registry;
  private final CaptureProcessor processor;
  private final RowPublisher rows;
  private final CaptureMetrics metrics;
  private final Clock clock;

  SnapshotCapture(
      CaptureRegistry registry,
      CaptureProcessor processor,
      RowPublisher rows,
      CaptureMetrics metrics,
      Clock clock) {
    this.registry = registry;
    this.processor = processor;
    this.rows = rows;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * Captures {@code committed} for each capture of its table.
   *
   * @throws Retry when the catalog, storage or broker failed in a way a retry may mend
   */
  Result capture(SnapshotCommitted committed) {
    List<Payload> events = new ArrayList<>();
    List<Rejection> rejections = new ArrayList<>();
    List<RowEvent> rowEvents = new ArrayList<>();
    List<SourcePins.Request> pins = new ArrayList<>();
    List<CaptureDefined> captures = registry.forTable(Topics.tableKey(committed.table()));
    String rowStreamer = rowStreamer(captures);
    for (CaptureDefined capture : captures) {
      CaptureProcessor.Outcome outcome;
      try {
        outcome = processor.capture(capture, committed);
      } catch (RuntimeException e) {
        retryIfTransient(e);
        LOG.errorf(
            e, "capture %s failed for snapshot %d", capture.captureId(), committed.snapshotId());
        rejections.add(
            new Rejection("capture-failed", capture.captureId() + ": " + Failures.describe(e)));
        continue;
      }
      if (outcome.pins() != null) {
        pins.add(outcome.pins());
      }
      if (outcome.published()) {
        events.add(outcome.event());
        if (capture.captureId().equals(rowStreamer)) {
          rowEvents(capture, committed, rowEvents, rejections);
        }
      } else if (outcome.lost()) {
        // Not silent: downstream learns which change will never come.
        LOG.errorf(
            "capture %s lost snapshot %d: %s",
            capture.captureId(), committed.snapshotId(), outcome.skipped());
        events.add(lost(capture, committed));
        metrics.skipped("expired");
      } else {
        LOG.infof(
            "capture %s skipped snapshot %d: %s",
            capture.captureId(), committed.snapshotId(), outcome.skipped());
        metrics.skipped(outcome.change() == null ? "not-capturable" : "kind-not-captured");
      }
    }
    pin(committed, pins);
    long rowChanges = rowEvents.isEmpty() ? 0 : rowEvents.size() - 2L;
    return new Result(events, rejections, rowEvents, rowChanges);
  }

  /**
   * One row stream per table (the REST API refuses a second); should two definitions race past that
   * check, the first capture id streams, so no row goes out twice.
   */
  private static String rowStreamer(List<CaptureDefined> captures) {
    return captures.stream()
        .filter(CaptureDefined::rowStream)
        .map(CaptureDefined::captureId)
        .min(String::compareTo)
        .orElse(null);
  }

  /** Every capture of the snapshot pins in one commit on the source, before any event is sent. */
  private void pin(SnapshotCommitted committed, List<SourcePins.Request> pins) {
    try {
      processor.pin(committed, pins);
    } catch (RuntimeException e) {
      retryIfTransient(e);
      // The change is captured and its events go out: a missing pin only shortens how long the
      // source keeps its files, which the pin TTL bounds anyway. Operators see the metric.
      LOG.errorf(
          e,
          "pinning snapshot %d failed; its changes are published unpinned",
          committed.snapshotId());
      metrics.pinFailed();
    }
  }

  /**
   * Adds the snapshot's row changes. When they cannot be read for good (the parent expired, a file
   * is gone), the change is still published and the snapshot goes to the dead-letter topic with the
   * reason, so the gap is seen.
   */
  private void rowEvents(
      CaptureDefined capture,
      SnapshotCommitted committed,
      List<RowEvent> out,
      List<Rejection> rejections) {
    try {
      out.addAll(rows.events(capture, committed));
    } catch (RuntimeException e) {
      retryIfTransient(e);
      LOG.errorf(
          e,
          "the row changes of snapshot %d for capture %s cannot be read",
          committed.snapshotId(),
          capture.captureId());
      rejections.add(
          new Rejection("rows-unreadable", capture.captureId() + ": " + Failures.describe(e)));
    }
  }

  private ChangeLost lost(CaptureDefined capture, SnapshotCommitted committed) {
    return new ChangeLost(
        capture.captureId(),
        committed.table(),
        committed.tableUuid(),
        committed.branch(),
        committed.snapshotId(),
        committed.parentSnapshotId(),
        committed.committedAt(),
        "expired",
        clock.instant(),
        committed.sequenceNumber(),
        committed.operation());
  }

  private static void retryIfTransient(RuntimeException e) {
    if (FAILURES.isRetriable(e)) {
      throw new Retry(e);
    }
  }
}
