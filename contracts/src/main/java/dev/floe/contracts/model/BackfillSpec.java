package dev.floe.contracts.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * What a backfill was asked to do, as planned. It holds no secret: webhook URLs and credentials of
 * a validation stay in the backfill service.
 *
 * @param table the source table
 * @param captureId the capture whose tracked fields and ICDC settings apply; null for a table
 * @param range which part of the source to backfill
 * @param chunking how the range is cut into chunks
 * @param triggerId the trigger whose job runs each chunk
 * @param concurrency how many chunks run at once, at least 1
 * @param order which chunks run first
 * @param propagate whether downstream triggers run on the backfill's output
 * @param validation how each chunk is validated; null for none
 * @param retry how a chunk whose run failed transiently or timed out runs again; null (a plan made
 *     before chunks were retried) for one attempt
 */
public record BackfillSpec(
    @JsonProperty(required = true) TableRef table,
    String captureId,
    @JsonProperty(required = true) Range range,
    @JsonProperty(required = true) Chunking chunking,
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) int concurrency,
    @JsonProperty(required = true) Order order,
    boolean propagate,
    Validation validation,
    RetryPolicy retry) {

  public BackfillSpec {
    requireNonNull(table, "table");
    requireNonNull(range, "range");
    requireNonNull(chunking, "chunking");
    requireNonNull(triggerId, "triggerId");
    requireNonNull(order, "order");
  }

  /**
   * The part of the source to backfill. Set {@code field} with {@code from} and {@code to}, or a
   * {@code partitionFilter}, or a snapshot or time range; unset members are null.
   *
   * @param field a field whose values select rows, with {@code from} (inclusive) and {@code to}
   *     (exclusive) in the canonical string form of {@link FieldRange}
   * @param partitionFilter an Iceberg expression over partition fields, in Iceberg's JSON form
   * @param addedAtSequenceNumber only the live data files one commit added, by their file sequence
   *     number (a format 2 or later table): those of a lost change ({@code ChangeLost}), whose
   *     snapshot is gone; with no range start (a snapshot or a time)
   */
  public record Range(
      String field,
      String from,
      String to,
      String partitionFilter,
      Long fromSnapshotId,
      Long toSnapshotId,
      Instant fromTime,
      Instant toTime,
      Long addedAtSequenceNumber) {

    /** A range that selects no commit's files by sequence number. */
    public Range(
        String field,
        String from,
        String to,
        String partitionFilter,
        Long fromSnapshotId,
        Long toSnapshotId,
        Instant fromTime,
        Instant toTime) {
      this(field, from, to, partitionFilter, fromSnapshotId, toSnapshotId, fromTime, toTime, null);
    }
  }

  /**
   * How the range is cut into chunks.
   *
   * @param strategy one of {@code partition}, {@code day}, {@code hour}, {@code files} or {@code
   *     records}
   * @param field the timestamp field for {@code day} and {@code hour}
   * @param maxFiles the most data files per chunk, for {@code files}
   * @param maxRecords the most records per chunk, for {@code records}
   */
  public record Chunking(
      @JsonProperty(required = true) String strategy,
      String field,
      Long maxFiles,
      Long maxRecords) {

    public Chunking {
      requireNonNull(strategy, "strategy");
    }
  }

  /**
   * How a chunk is validated.
   *
   * @param method {@code record-count} (from Iceberg metadata) or {@code webhook} (a user check)
   * @param target the table the job writes, for {@code record-count}
   * @param tolerance the accepted relative difference of record counts, 0 for exact parity
   */
  public record Validation(
      @JsonProperty(required = true) String method, TableRef target, double tolerance) {

    public Validation {
      requireNonNull(method, "method");
    }
  }

  /** Which chunks run first. */
  public enum Order implements WireNamed {
    OLDEST_FIRST,
    NEWEST_FIRST;

    @Override
    public String toString() {
      return wireName();
    }
  }
}
