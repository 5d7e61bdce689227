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
 * Snapshots of one table through every capture of the table: commits the ICDC states, pins the
 * source, and answers what to publish for each. No Kafka here; the capture loop sends the answer in
 * one transaction with the snapshot's offset.
 *
 * <p>Idempotent: the ICDC states and pins it commits are recognised on a second call, which then
 * answers the same events, so an aborted transaction is mended by capturing again.
 */
final class SnapshotCapture {
  private static final Logger LOG = Logger.getLogger(SnapshotCapture.class);

  /** The broker's and the catalog's failures are retried; the rest is permanent for the input. */
  static final Failures FAILURES = Failures.of(CatalogFailures::isTransient);

  static final String CAPTURE_FAILED = "capture-failed";
  static final String ROWS_UNREADABLE = "rows-unreadable";

  /** Why a snapshot is dead-lettered, besides an event that does not decode. */
  static final List<String> DEAD_LETTER_REASONS = List.of(CAPTURE_FAILED, ROWS_UNREADABLE);

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
   * @param rows reads the row stream's records, when the snapshot's turn to be sent comes
   */
  record Result(List<Payload> events, List<Rejection> rejections, RowRead rows) {
    List<ChangeCaptured> captured() {
      return events.stream()
          .filter(ChangeCaptured.class::isInstance)
          .map(ChangeCaptured.class::cast)
          .toList();
    }
  }

  /**
   * The row stream's records of a snapshot, read only once it is sure to be sent: reading them
   * marks a stream as begun ({@link RowPublisher}), which must not happen for records left unsent.
   */
  @FunctionalInterface
  interface RowRead {
    RowBatch read();

    RowRead NONE = () -> RowBatch.EMPTY;
  }

  /**
   * @param rows the row stream's records, transaction markers and tombstones included
   * @param rejections why rows could not be read for good
   */
  record RowBatch(List<RowEvent> rows, List<Rejection> rejections) {
    static final RowBatch EMPTY = new RowBatch(List.of(), List.of());

    /** How many of {@code rows} are row changes: neither markers nor tombstones. */
    long rowChanges() {
      return rows.stream()
          .filter(r -> r.value() != null && r.destination().startsWith(Topics.ROWS_PREFIX))
          .count();
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
   * Captures snapshots of one table, in commit order, for each capture of the table: each capture
   * commits the ICDC states of all of them at once, and all their pins go in one commit on the
   * source, before any event is sent.
   *
   * @return one result per snapshot, in the same order
   * @throws Retry when the catalog, storage or broker failed in a way a retry may mend; nothing of
   *     the group is to be sent then
   */
  List<Result> capture(List<SnapshotCommitted> group) {
    List<List<Payload>> events = new ArrayList<>();
    List<List<Rejection>> rejections = new ArrayList<>();
    List<CaptureDefined> streamers = new ArrayList<>();
    group.forEach(
        c -> {
          events.add(new ArrayList<>());
          rejections.add(new ArrayList<>());
          streamers.add(null);
        });
    List<SourcePins.Request> pins = new ArrayList<>();
    List<CaptureDefined> captures = registry.forTable(Topics.tableKey(group.get(0).table()));
    String rowStreamer = rowStreamer(captures);
    for (CaptureDefined capture : captures) {
      List<CaptureProcessor.Outcome> outcomes = captureAll(capture, group, rejections);
      for (int i = 0; i < group.size(); i++) {
        CaptureProcessor.Outcome outcome = outcomes.get(i);
        if (outcome == null) {
          continue; // failed for good: rejected
        }
        SnapshotCommitted committed = group.get(i);
        if (outcome.pins() != null) {
          pins.add(outcome.pins());
        }
        if (outcome.published()) {
          events.get(i).add(outcome.event());
          if (capture.captureId().equals(rowStreamer)) {
            streamers.set(i, capture);
          }
        } else if (outcome.lost()) {
          // Not silent: downstream learns which change will never come.
          LOG.errorf(
              "capture %s lost snapshot %d: %s",
              capture.captureId(), committed.snapshotId(), outcome.skipped());
          events.get(i).add(lost(capture, committed));
          metrics.skipped("expired");
        } else {
          LOG.infof(
              "capture %s skipped snapshot %d: %s",
              capture.captureId(), committed.snapshotId(), outcome.skipped());
          metrics.skipped(outcome.change() == null ? "not-capturable" : "kind-not-captured");
        }
      }
    }
    pin(group, pins);
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) {
      CaptureDefined streamer = streamers.get(i);
      SnapshotCommitted committed = group.get(i);
      results.add(
          new Result(
              events.get(i),
              rejections.get(i),
              streamer == null ? RowRead.NONE : () -> rowEvents(streamer, committed)));
    }
    return results;
  }

  /**
   * The outcomes of one capture over the group; null where a snapshot failed for good, with its
   * rejection added. When the group fails for good, each snapshot is captured again alone, so that
   * only the snapshot at fault is rejected.
   */
  private List<CaptureProcessor.Outcome> captureAll(
      CaptureDefined capture, List<SnapshotCommitted> group, List<List<Rejection>> rejections) {
    try {
      return processor.captureAll(capture, group);
    } catch (RuntimeException e) {
      retryIfTransient(e);
      if (group.size() > 1) {
        LOG.warnf(
            e,
            "capture %s failed for snapshots %d to %d together; capturing them one by one",
            capture.captureId(),
            group.get(0).snapshotId(),
            group.get(group.size() - 1).snapshotId());
      } else {
        LOG.errorf(
            e, "capture %s failed for snapshot %d", capture.captureId(), group.get(0).snapshotId());
        rejections
            .get(0)
            .add(new Rejection(CAPTURE_FAILED, capture.captureId() + ": " + Failures.describe(e)));
        return java.util.Collections.singletonList(null);
      }
    }
    List<CaptureProcessor.Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) {
      outcomes.add(captureAll(capture, List.of(group.get(i)), rejections.subList(i, i + 1)).get(0));
    }
    return outcomes;
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

  /** Every capture of the snapshots pins in one commit on the source, before any event is sent. */
  private void pin(List<SnapshotCommitted> group, List<SourcePins.Request> pins) {
    try {
      processor.pin(group.get(0), pins);
    } catch (RuntimeException e) {
      retryIfTransient(e);
      // The change is captured and its events go out: a missing pin only shortens how long the
      // source keeps its files, which the pin TTL bounds anyway. Operators see the metric.
      LOG.errorf(
          e,
          "pinning snapshots %d to %d failed; their changes are published unpinned",
          group.get(0).snapshotId(),
          group.get(group.size() - 1).snapshotId());
      metrics.pinFailed();
    }
  }

  /**
   * The snapshot's row changes. When they cannot be read for good (the parent expired, a file is
   * gone), the change is still published and the snapshot goes to the dead-letter topic with the
   * reason, so the gap is seen.
   *
   * @throws Retry when a retry may mend the failure
   */
  private RowBatch rowEvents(CaptureDefined capture, SnapshotCommitted committed) {
    try {
      return new RowBatch(rows.events(capture, committed), List.of());
    } catch (RuntimeException e) {
      retryIfTransient(e);
      LOG.errorf(
          e,
          "the row changes of snapshot %d for capture %s cannot be read",
          committed.snapshotId(),
          capture.captureId());
      return new RowBatch(
          List.of(),
          List.of(
              new Rejection(ROWS_UNREADABLE, capture.captureId() + ": " + Failures.describe(e))));
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
