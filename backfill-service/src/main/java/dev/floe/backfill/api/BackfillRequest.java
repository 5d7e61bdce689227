package dev.floe.backfill.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floe.contracts.model.Identifiers;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A request for a backfill. Required: a {@code table} or a {@code capture}, a {@code chunking} and
 * a {@code trigger}.
 *
 * @param id the backfill id; generated when absent
 * @param table the source table, {@code namespace.table}
 * @param capture a capture: its table, and its tracked fields' ranges on every chunk
 * @param range which part of the source; the whole table at its current snapshot when absent
 * @param chunking how the range is cut into chunks
 * @param trigger the trigger whose job runs each chunk, through the trigger-service's launcher
 * @param concurrency chunks running at once; 1 by default
 * @param order {@code oldest-first} (default) or {@code newest-first}
 * @param propagate whether downstream triggers run on the backfill's output; false by default
 * @param validation how each chunk is validated; none when absent
 * @param retry how a chunk whose run failed transiently or timed out runs again; the trigger's
 *     retry policy when absent
 * @param dryRun answer the plan only: nothing is committed, published or run
 */
public record BackfillRequest(
    @Pattern(
            regexp = "[a-z0-9][a-z0-9_-]{0,62}",
            message = "must be lower-case letters, digits, _ and -, at most 63")
        String id,
    @Schema(example = "demo.orders")
        @Size(max = 400)
        @Pattern(regexp = Identifiers.TABLE, message = Identifiers.TABLE_MESSAGE)
        String table,
    @Pattern(regexp = Identifiers.ID, message = Identifiers.ID_MESSAGE) String capture,
    @Valid RangeRequest range,
    @NotNull @Valid ChunkingRequest chunking,
    @Schema(example = "orders-daily-job")
        @NotBlank
        @Pattern(
            regexp = "[a-z0-9][a-z0-9_-]{0,99}",
            message = "must be lower-case letters, digits, _ and -")
        String trigger,
    @Min(1) @Max(100) Integer concurrency,
    @Schema(example = "oldest-first") String order,
    Boolean propagate,
    @Valid ValidationRequest validation,
    @Valid RetryRequest retry,
    Boolean dryRun) {

  /**
   * A field range ({@code field}, {@code from} inclusive, {@code to} exclusive, in the field's
   * canonical form: ISO-8601 for timestamps), a partition filter (Iceberg's JSON expression), a
   * snapshot range or a time range. Several may be combined. {@code addedAtSequenceNumber} keeps
   * only the live data files one commit added (a lost change's, whose snapshot is gone), on a table
   * of format 2 or later.
   */
  public record RangeRequest(
      @Schema(example = "order_ts") String field,
      @Schema(example = "2026-10-01T00:00:00Z") String from,
      @Schema(example = "2026-10-31T00:00:00Z") String to,
      JsonNode partitionFilter,
      Long fromSnapshotId,
      Long toSnapshotId,
      Instant fromTime,
      Instant toTime,
      Long addedAtSequenceNumber) {}

  /**
   * @param strategy {@code partition}, {@code day}, {@code hour}, {@code files} or {@code records}
   * @param field the timestamp or date field of {@code day} and {@code hour}
   * @param maxFiles data files per chunk, for {@code files}
   * @param maxRecords records per chunk, for {@code records}
   */
  public record ChunkingRequest(
      @Schema(example = "day")
          @NotBlank
          @Pattern(
              regexp = "partition|day|hour|files|records",
              message = "must be partition, day, hour, files or records")
          String strategy,
      @Schema(example = "order_ts") String field,
      @Min(1) Long maxFiles,
      @Min(1) Long maxRecords) {}

  /**
   * @param method {@code record-count} or {@code webhook}
   * @param target the table the job writes, {@code namespace.table}, for {@code record-count}
   * @param tolerance accepted relative difference of record counts, 0 (default) to 1
   * @param url the user check, for {@code webhook}: it receives the chunk and answers {@code
   *     {"valid": true}}; kept in the service, never published
   */
  public record ValidationRequest(
      @NotBlank
          @Pattern(regexp = "record-count|webhook", message = "must be record-count or webhook")
          String method,
      @Size(max = 400) String target,
      @DecimalMin("0") @DecimalMax("1") Double tolerance,
      @Size(max = 2000) String url) {}

  /**
   * @param maxAttempts attempts of one chunk in all, the first included; 1 for no retry
   * @param backoff the wait before the second attempt, doubling for each later one
   */
  public record RetryRequest(
      @Min(1) @Max(100) Integer maxAttempts, @Schema(example = "PT30S") Duration backoff) {}
}
