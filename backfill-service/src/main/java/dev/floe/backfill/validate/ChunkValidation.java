package dev.floe.backfill.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.backfill.run.BackfillState;
import dev.floe.backfill.run.ChunkValidator;
import dev.floe.broker.Failures;
import dev.floe.catalog.CatalogFailures;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkState;
import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.icdc.Bounds;
import dev.floe.icdc.TableRefs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.expressions.StrictMetricsEvaluator;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Validates chunks as their backfill asks: {@code record-count} compares the source chunk's records
 * with the target's records in the chunk's range, both from Iceberg metadata (no data file is
 * read); {@code webhook} asks a user's check. Never throws: a check that can't be made is {@code
 * invalid}, with the reason.
 */
public final class ChunkValidation implements ChunkValidator {
  /** The catalog's failures and a webhook's network failures may pass on a retry. */
  private static final Failures FAILURES = Failures.of(CatalogFailures::isTransient);

  public static final String RECORD_COUNT = "record-count";
  public static final String WEBHOOK = "webhook";
  private static final long MICROS_PER_HOUR = 3_600_000_000L;
  private static final ObjectMapper JSON = EventCodec.mapper();

  private final Supplier<Catalog> catalog;
  private final HttpClient http;
  private final Duration webhookTimeout;

  public ChunkValidation(Supplier<Catalog> catalog, Duration webhookTimeout) {
    this.catalog = catalog;
    this.webhookTimeout = webhookTimeout;
    this.http = HttpClient.newBuilder().connectTimeout(webhookTimeout).build();
  }

  @Override
  public BackfillState.Validation validate(BackfillState backfill, BackfillState.Chunk chunk) {
    BackfillSpec.Validation v = backfill.spec.validation();
    if (v == null) {
      return null;
    }
    try {
      return WEBHOOK.equals(v.method())
          ? webhook(backfill, chunk)
          : recordCount(backfill, chunk, v);
    } catch (ChunkValidator.Pending e) {
      throw e;
    } catch (RuntimeException e) {
      // The chunk is invalid either way (validation runs once, when its run succeeds); the reason
      // says whether retrying the backfill may get it checked.
      return invalid(
          v.method(),
          "could not be checked ("
              + (FAILURES.isRetriable(e)
                  ? "retriable: retry the backfill once the check answers"
                  : "permanent")
              + "): "
              + Failures.describe(e));
    }
  }

  private BackfillState.Validation recordCount(
      BackfillState backfill, BackfillState.Chunk chunk, BackfillSpec.Validation v) {
    Table target = catalog.get().loadTable(TableRefs.identifier(v.target()));
    if (target.currentSnapshot() == null) {
      return result(v, chunk.plan.records(), 0, "the target " + v.target() + " has no snapshot");
    }
    Expression filter = chunkRange(backfill, chunk, target);
    StrictMetricsEvaluator inside = new StrictMetricsEvaluator(target.schema(), filter);
    long actual = 0;
    int straddling = 0;
    int withDeletes = 0;
    try (CloseableIterable<FileScanTask> files =
        target.newScan().filter(filter).includeColumnStats().planFiles()) {
      for (FileScanTask task : files) {
        actual += task.file().recordCount();
        if (!inside.eval(task.file())) {
          straddling++;
        }
        if (!task.deletes().isEmpty()) {
          withDeletes++;
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    String detail = "target " + v.target() + " holds " + actual + " records where " + filter;
    if (straddling > 0) {
      detail +=
          "; " + straddling + " of its files reach outside the range: the count is an upper bound";
    }
    if (withDeletes > 0) {
      detail += "; " + withDeletes + " of its files carry row-level deletes, not subtracted";
    }
    return result(v, chunk.plan.records(), actual, detail);
  }

  private static BackfillState.Validation result(
      BackfillSpec.Validation v, long expected, long actual, String detail) {
    double allowed = v.tolerance() * expected;
    boolean ok = Math.abs(actual - expected) <= allowed;
    return new BackfillState.Validation(
        ok ? ChunkState.VALIDATED : ChunkState.INVALID,
        RECORD_COUNT,
        expected,
        actual,
        v.tolerance(),
        (ok ? "" : "expected " + expected + " records; ") + detail);
  }

  /**
   * The part of the target a chunk maps to: whole days or hours for time chunking, else the chunk's
   * field ranges (exact or truncated; unknown ones are left out).
   */
  static Expression chunkRange(BackfillState backfill, BackfillState.Chunk chunk, Table target) {
    BackfillSpec.Chunking chunking = backfill.spec.chunking();
    Expression filter = Expressions.alwaysTrue();
    boolean any = false;
    boolean byTime = chunking.strategy().equals("day") || chunking.strategy().equals("hour");
    for (FieldRange range : chunk.plan.ranges()) {
      if (byTime && !range.field().equals(chunking.field())) {
        continue; // the chunk is its days or hours; other fields don't narrow it
      }
      Types.NestedField field = target.schema().findField(range.field());
      if (range.exactness() == Exactness.UNKNOWN
          || field == null
          || !field.type().isPrimitiveType()) {
        continue;
      }
      Type.PrimitiveType type = field.type().asPrimitiveType();
      Object min = Bounds.parse(type, range.min());
      Object max = Bounds.parse(type, range.max());
      if (byTime && type.typeId() == Type.TypeID.TIMESTAMP) {
        long unit = chunking.strategy().equals("hour") ? MICROS_PER_HOUR : 24 * MICROS_PER_HOUR;
        long lo = Math.floorDiv((Long) min, unit) * unit;
        long hi = (Math.floorDiv((Long) max, unit) + 1) * unit;
        filter =
            Expressions.and(
                filter,
                Expressions.and(
                    Expressions.greaterThanOrEqual(range.field(), lo),
                    Expressions.lessThan(range.field(), hi)));
      } else {
        filter =
            Expressions.and(
                filter,
                Expressions.and(
                    Expressions.greaterThanOrEqual(
                        range.field(), Bounds.literal(type, range.min())),
                    Expressions.lessThanOrEqual(range.field(), Bounds.literal(type, range.max()))));
      }
      any = true;
    }
    if (!any) {
      throw new IllegalStateException(
          "chunk " + chunk.id() + " has no known range on a field of the target");
    }
    return filter;
  }

  private BackfillState.Validation webhook(BackfillState backfill, BackfillState.Chunk chunk) {
    ObjectNode body = JSON.createObjectNode();
    body.put("backfillId", backfill.backfillId);
    body.put("chunkId", chunk.id());
    body.put("attempt", chunk.attempt);
    body.put("runId", chunk.runId);
    body.set("chunk", JSON.valueToTree(chunk.plan));
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(URI.create(backfill.validationUrl))
                  .timeout(webhookTimeout)
                  .header("Content-Type", "application/json")
                  // A Structured Field String, as the IETF draft wants it; run ids need no escape.
                  .header("Idempotency-Key", "\"" + chunk.runId + "\"")
                  .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return invalid(WEBHOOK, "the check could not be called: " + e);
    } catch (InterruptedException e) {
      // Stopped (the service is shutting down): not a verdict, the check is asked again.
      Thread.currentThread().interrupt();
      throw new ChunkValidator.Pending("interrupted: the check is asked again");
    }
    if (response.statusCode() == 409) {
      // The Idempotency-Key draft's "the request under this key is still being processed".
      throw new ChunkValidator.Pending("the check is still processing this chunk's key (409)");
    }
    if (response.statusCode() / 100 != 2) {
      return invalid(WEBHOOK, "the check answered " + response.statusCode());
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(response.body());
    } catch (IOException e) {
      return invalid(WEBHOOK, "the check's answer is not JSON");
    }
    boolean valid = answer.path("valid").asBoolean(false);
    return new BackfillState.Validation(
        valid ? ChunkState.VALIDATED : ChunkState.INVALID,
        WEBHOOK,
        answer.hasNonNull("expected") ? answer.get("expected").asLong() : null,
        answer.hasNonNull("actual") ? answer.get("actual").asLong() : null,
        0,
        answer.path("detail").asText(valid ? "the check passed" : "the check failed"));
  }

  private static BackfillState.Validation invalid(String method, String detail) {
    return new BackfillState.Validation(ChunkState.INVALID, method, null, null, 0, detail);
  }
}
