package dev.floe.backfill.api;

import dev.floe.backfill.plan.BackfillPlanner;
import dev.floe.backfill.plan.PlanningException;
import dev.floe.backfill.run.BackfillMachine;
import dev.floe.backfill.validate.ChunkValidation;
import dev.floe.catalog.CatalogHandle;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.TableRefs;
import dev.floe.problem.Problem;
import dev.floe.problem.ProblemException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.ValidationException;

/**
 * Turns a backfill request into a spec and a plan, or into a 4xx problem naming the request field
 * that is wrong: an unknown capture, trigger or table, a range the table can't be read by, a
 * validation the chunking can't support, a chunk too large for a record.
 */
final class BackfillRequests {
  /**
   * The chunks of one record of a plan, at most: a quarter of Kafka's default 1 MiB record, and
   * half of the longest event Floe reads.
   */
  static final int PAGE_BYTES = 256 * 1024;

  private final Function<String, Optional<CaptureDefined>> captures;
  private final Function<String, Optional<TriggerDefined>> triggers;
  private final CatalogHandle catalog;

  BackfillRequests(
      Function<String, Optional<CaptureDefined>> captures,
      Function<String, Optional<TriggerDefined>> triggers,
      CatalogHandle catalog) {
    this.captures = captures;
    this.triggers = triggers;
    this.catalog = catalog;
  }

  /** The spec a request asks for; the trigger it names must exist. */
  BackfillSpec spec(BackfillRequest body, Source source) {
    TriggerDefined trigger =
        triggers
            .apply(body.trigger())
            .orElseThrow(() -> notFound("trigger", "trigger " + body.trigger()));
    return new BackfillSpec(
        source.table(),
        source.captureId(),
        range(body.range()),
        new BackfillSpec.Chunking(
            body.chunking().strategy(),
            body.chunking().field(),
            body.chunking().maxFiles(),
            body.chunking().maxRecords()),
        body.trigger(),
        body.concurrency() == null ? 1 : body.concurrency(),
        order(body.order()),
        Boolean.TRUE.equals(body.propagate()),
        validation(body.validation(), body.chunking().strategy()),
        retry(body.retry(), trigger.retry()));
  }

  /** The request's retry policy, each member absent taken from the trigger's. */
  private static RetryPolicy retry(BackfillRequest.RetryRequest r, RetryPolicy trigger) {
    if (r == null) {
      return trigger;
    }
    Duration backoff = r.backoff() == null ? trigger.backoff() : r.backoff();
    if (backoff.isNegative() || backoff.compareTo(BackfillMachine.MAX_BACKOFF) > 0) {
      throw ProblemException.invalidField(
          "retry.backoff", "must be between PT0S and " + BackfillMachine.MAX_BACKOFF);
    }
    return new RetryPolicy(
        r.maxAttempts() == null ? trigger.maxAttempts() : r.maxAttempts(), backoff);
  }

  /** Plans {@code spec}; a plan that can't be made is the caller's 4xx. */
  BackfillPlanner.Plan plan(
      BackfillPlanner planner,
      String id,
      BackfillSpec spec,
      Source source,
      BackfillRequest body,
      boolean dryRun) {
    try {
      return planner.plan(id, spec, source.trackedFields(), dryRun);
    } catch (PlanningException e) {
      if (e.status() == 409) {
        throw new ProblemException(
            409,
            "conflict",
            "Conflict",
            e.getMessage(),
            List.of(new Problem.FieldError(e.field(), e.getMessage())));
      }
      throw ProblemException.invalidField(e.field(), e.getMessage());
    } catch (NoSuchTableException | NoSuchNamespaceException e) {
      throw notFound(body.capture() != null ? "capture" : "table", "table " + source.table());
    } catch (ValidationException e) {
      // Iceberg refused an expression the range makes (a type it can't compare, a bad name).
      throw ProblemException.invalidField("range", e.getMessage());
    }
  }

  /**
   * A plan's chunks in pages of at most {@link #PAGE_BYTES} each, in run order: the first goes in
   * its {@code BackfillPlanned}, the others in {@code BackfillChunksPlanned} records, all written
   * in one Kafka transaction. A chunk too large for a page on its own is the caller's 400.
   */
  static List<List<ChunkPlan>> pages(BackfillPlanner.Plan plan) {
    List<List<ChunkPlan>> pages = new ArrayList<>();
    List<ChunkPlan> page = new ArrayList<>();
    int size = 0;
    for (ChunkPlan c : plan.chunks()) {
      int bytes;
      try {
        bytes = EventCodec.mapper().writeValueAsBytes(c).length;
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      if (bytes > PAGE_BYTES) {
        throw ProblemException.invalidField(
            "chunking",
            "chunk "
                + c.chunkId()
                + " takes "
                + bytes / 1024
                + " KiB, more than the "
                + PAGE_BYTES / 1024
                + " KiB of one record; chunk more finely");
      }
      if (size + bytes > PAGE_BYTES) {
        pages.add(page);
        page = new ArrayList<>();
        size = 0;
      }
      page.add(c);
      size += bytes;
    }
    pages.add(page);
    return pages;
  }

  /** The source table, and the tracked fields of a capture. */
  record Source(TableRef table, String captureId, List<String> trackedFields) {}

  Source source(BackfillRequest body) {
    if (body.capture() != null && body.table() != null) {
      throw ProblemException.invalidField("capture", "give a table or a capture, not both");
    }
    if (body.capture() != null) {
      CaptureDefined capture =
          captures
              .apply(body.capture())
              .orElseThrow(() -> notFound("capture", "capture " + body.capture()));
      return new Source(capture.table(), capture.captureId(), capture.trackedFields());
    }
    if (body.table() == null || body.table().isBlank()) {
      throw ProblemException.invalidField("table", "is required, or a capture");
    }
    return new Source(table("table", body.table()), null, List.of());
  }

  private TableRef table(String field, String name) {
    try {
      return TableRef.parse(catalog.name(), name);
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalidField(field, e.getMessage());
    }
  }

  private static BackfillSpec.Range range(BackfillRequest.RangeRequest r) {
    if (r == null) {
      return new BackfillSpec.Range(null, null, null, null, null, null, null, null);
    }
    if (r.fromTime() != null && r.toTime() != null && !r.fromTime().isBefore(r.toTime())) {
      throw ProblemException.invalidField("range.toTime", "must be after range.fromTime");
    }
    return new BackfillSpec.Range(
        r.field(),
        r.from(),
        r.to(),
        r.partitionFilter() == null || r.partitionFilter().isNull()
            ? null
            : r.partitionFilter().toString(),
        r.fromSnapshotId(),
        r.toSnapshotId(),
        r.fromTime(),
        r.toTime(),
        r.addedAtSequenceNumber());
  }

  private static BackfillSpec.Order order(String order) {
    if (order == null) {
      return BackfillSpec.Order.OLDEST_FIRST;
    }
    for (BackfillSpec.Order o : BackfillSpec.Order.values()) {
      if (o.wireName().equals(order.toLowerCase(Locale.ROOT))) {
        return o;
      }
    }
    throw ProblemException.invalidField("order", "must be oldest-first or newest-first");
  }

  private static final java.util.Set<String> RECORD_COUNT_CHUNKINGS =
      java.util.Set.of("day", "hour", "partition");

  private BackfillSpec.Validation validation(BackfillRequest.ValidationRequest v, String chunking) {
    if (v == null) {
      return null;
    }
    double tolerance = v.tolerance() == null ? 0 : v.tolerance();
    if (ChunkValidation.WEBHOOK.equals(v.method())) {
      if (v.url() == null || !(v.url().startsWith("http://") || v.url().startsWith("https://"))) {
        throw ProblemException.invalidField("validation.url", "an http or https URL is required");
      }
      try {
        URI.create(v.url());
      } catch (IllegalArgumentException e) {
        throw ProblemException.invalidField("validation.url", "is not a URL");
      }
      return new BackfillSpec.Validation(v.method(), null, tolerance);
    }
    if (v.target() == null || v.target().isBlank()) {
      throw ProblemException.invalidField("validation.target", "is required for record-count");
    }
    if (!RECORD_COUNT_CHUNKINGS.contains(chunking)) {
      // Chunks of N files or records overlap in every field's range: no range of the target
      // belongs to one chunk alone, so counts there would not compare.
      throw ProblemException.invalidField(
          "validation.method",
          "record-count needs day, hour or partition chunking; use a webhook check for "
              + chunking);
    }
    TableRef target = table("validation.target", v.target());
    if (!catalog.get().tableExists(TableRefs.identifier(target))) {
      throw notFound("validation.target", "table " + target);
    }
    return new BackfillSpec.Validation(v.method(), target, tolerance);
  }

  static ProblemException notFound(String field, String what) {
    return new ProblemException(
        404,
        "not-found",
        "Not found",
        what + " does not exist",
        List.of(new Problem.FieldError(field, what + " does not exist")));
  }
}
