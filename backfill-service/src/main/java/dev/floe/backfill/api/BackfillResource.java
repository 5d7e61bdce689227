package dev.floe.backfill.api;

import dev.floe.auth.Callers;
import dev.floe.auth.Roles;
import dev.floe.backfill.engine.BackfillRuntime;
import dev.floe.backfill.plan.BackfillPlanner;
import dev.floe.backfill.plan.PlanningException;
import dev.floe.backfill.run.BackfillState;
import dev.floe.backfill.run.BackfillStatus;
import dev.floe.backfill.run.BackfillTopology;
import dev.floe.backfill.validate.ChunkValidation;
import dev.floe.broker.EventRecords;
import dev.floe.broker.KafkaWrites;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.BackfillCancelled;
import dev.floe.contracts.event.BackfillPaused;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.BackfillResumed;
import dev.floe.contracts.event.BackfillRetried;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.TableRefs;
import dev.floe.problem.Problem;
import dev.floe.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Backfills over REST: plan (or dry-run) one, follow it, and steer it. Commands go through the
 * service's inbox topic to the decision core, which alone changes a backfill; an answer shows the
 * backfill once this instance has applied the command, or as it stood when that took too long.
 */
@Path("/backfills")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "backfills", description = "Plan, run, monitor and validate backfills")
@RolesAllowed(Roles.VIEWER)
public class BackfillResource {
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration APPLY_TIMEOUT = Duration.ofSeconds(10);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Half of Kafka's default 1 MiB record: the state adds run ids, times and results per chunk. */
  static final int MAX_PLAN_BYTES = 512 * 1024;

  private final BackfillRuntime runtime;
  private final Instance<SecurityIdentity> identity;

  @Inject
  public BackfillResource(BackfillRuntime runtime, Instance<SecurityIdentity> identity) {
    this.runtime = runtime;
    this.identity = identity;
  }

  @GET
  @Operation(summary = "Every backfill this instance holds, newest first, without chunks")
  public List<BackfillView> list() {
    Instant now = Instant.now();
    return runtime.all().stream()
        .sorted(Comparator.comparing((BackfillState s) -> s.createdAt).reversed())
        .map(s -> BackfillView.of(s, false, now))
        .toList();
  }

  @GET
  @Path("{id}")
  @Operation(
      summary = "One backfill: state, progress, ETA, and each chunk's state, counts, validation")
  public BackfillView get(@PathParam("id") String id) {
    return BackfillView.of(backfill(id), true, Instant.now());
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Operation(
      summary = "Plan a backfill from metadata and start it; with dryRun, answer the plan only")
  public Response create(@Valid @NotNull BackfillRequest body) {
    boolean dryRun = Boolean.TRUE.equals(body.dryRun());
    if (!dryRun) {
      KafkaWrites.requireReady(runtime.writer() != null, runtime.state());
    }
    String id = body.id() != null ? body.id() : newId();
    if (runtime.backfill(id).isPresent()) {
      throw ProblemException.conflict("backfill " + id + " exists");
    }
    Source source = source(body);
    if (runtime.trigger(body.trigger()).isEmpty()) {
      throw notFound("trigger", "trigger " + body.trigger());
    }
    BackfillSpec spec =
        new BackfillSpec(
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
            validation(body.validation(), body.chunking().strategy()));
    BackfillPlanner.Plan plan;
    try {
      plan = runtime.planner().plan(id, spec, source.trackedFields(), dryRun);
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
    if (!dryRun) {
      requireFits(plan);
    }
    if (dryRun) {
      return Response.ok(BackfillView.plan(id, plan)).build();
    }
    BackfillPlanned planned =
        new BackfillPlanned(
            id,
            0,
            plan.spec(),
            plan.chunks(),
            plan.records(),
            plan.dataFiles(),
            plan.bytes(),
            Callers.name(identity));
    ProducerRecord<String, byte[]> record = command(planned);
    if (body.validation() != null && body.validation().url() != null) {
      record
          .headers()
          .add(
              BackfillTopology.VALIDATION_URL,
              body.validation().url().getBytes(StandardCharsets.UTF_8));
    }
    KafkaWrites.send(runtime.writer(), record, WRITE_TIMEOUT);
    BackfillView view =
        await(id, s -> true)
            .map(s -> BackfillView.of(s, true, Instant.now()))
            .orElseGet(() -> BackfillView.plan(id, plan));
    return Response.created(URI.create("/backfills/" + id)).entity(view).build();
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/pause")
  @Consumes(MediaType.WILDCARD)
  @Operation(summary = "Pause: running chunks finish, no new chunk starts")
  public Response pause(@PathParam("id") String id, @QueryParam("reason") String reason) {
    BackfillState s = backfill(id);
    require(s, s.status == BackfillStatus.RUNNING, "pause");
    return steer(
        s, new BackfillPaused(id, 0, Callers.name(identity), reason, Instant.now()), reason);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/resume")
  @Consumes(MediaType.WILDCARD)
  @Operation(summary = "Resume a paused backfill")
  public Response resume(@PathParam("id") String id, @QueryParam("reason") String reason) {
    BackfillState s = backfill(id);
    require(s, s.status == BackfillStatus.PAUSED, "resume");
    return steer(
        s, new BackfillResumed(id, 0, Callers.name(identity), reason, Instant.now()), reason);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/cancel")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      summary = "Cancel: chunks not started never start; running ones finish and are recorded")
  public Response cancel(@PathParam("id") String id, @QueryParam("reason") String reason) {
    BackfillState s = backfill(id);
    require(s, !s.status.ended() && s.status != BackfillStatus.CANCELLING, "cancel");
    return steer(
        s, new BackfillCancelled(id, 0, Callers.name(identity), reason, Instant.now()), reason);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/retry")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      summary =
          "Retry a failed or cancelled backfill: only its failed, invalid and cancelled chunks run again")
  public Response retry(@PathParam("id") String id) {
    BackfillState s = backfill(id);
    require(
        s,
        (s.status == BackfillStatus.FAILED || s.status == BackfillStatus.CANCELLED)
            && s.chunks.stream().anyMatch(BackfillState.Chunk::retryable),
        "retry");
    List<String> again =
        s.chunks.stream()
            .filter(BackfillState.Chunk::retryable)
            .map(BackfillState.Chunk::id)
            .toList();
    return steer(s, new BackfillRetried(id, 0, again, Callers.name(identity), Instant.now()), null);
  }

  /**
   * A plan must fit in one Kafka record with room for what its chunks' runs add to the state: a
   * plan too big for that is refused before anything is published. The chunk states committed for
   * it stay unused until they expire.
   */
  private static void requireFits(BackfillPlanner.Plan plan) {
    int size;
    try {
      size = EventCodec.mapper().writeValueAsBytes(plan.chunks()).length;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    if (size > MAX_PLAN_BYTES) {
      throw ProblemException.invalidField(
          "chunking",
          "the plan of "
              + plan.chunks().size()
              + " chunks takes "
              + size / 1024
              + " KiB, more than the "
              + MAX_PLAN_BYTES / 1024
              + " KiB a backfill may hold; chunk more coarsely or narrow the range");
    }
  }

  private Response steer(BackfillState s, Payload command, String reason) {
    KafkaWrites.requireReady(runtime.writer() != null, runtime.state());
    ProducerRecord<String, byte[]> record = command(command);
    if (reason != null) {
      record.headers().add(BackfillTopology.REASON, reason.getBytes(StandardCharsets.UTF_8));
    }
    KafkaWrites.send(runtime.writer(), record, WRITE_TIMEOUT);
    long before = s.revision;
    Optional<BackfillState> applied = await(s.backfillId, x -> x.revision > before);
    BackfillView view = BackfillView.of(applied.orElse(s), true, Instant.now());
    return applied.isPresent() ? Response.ok(view).build() : Response.accepted(view).build();
  }

  private ProducerRecord<String, byte[]> command(Payload payload) {
    ProducerRecord<String, byte[]> record =
        EventRecords.of(
            runtime.config().topics().inbox(),
            Event.of(payload, Event.sourceOf(BackfillRuntime.SERVICE), Instant.now()));
    record
        .headers()
        .add(BackfillTopology.PRINCIPAL, Callers.name(identity).getBytes(StandardCharsets.UTF_8));
    return record;
  }

  /** Waits, a bounded time, until this instance's store shows the backfill as {@code applied}. */
  private Optional<BackfillState> await(String id, Predicate<BackfillState> applied) {
    long deadline = System.nanoTime() + APPLY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<BackfillState> s;
      try {
        s = runtime.backfill(id);
      } catch (BackfillRuntime.StoreUnavailableException rebalancing) {
        s = Optional.empty(); // the command is written; its effect shows later
      }
      if (s.isPresent() && applied.test(s.get())) {
        return s;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return Optional.empty();
  }

  private BackfillState backfill(String id) {
    return runtime.backfill(id).orElseThrow(() -> ProblemException.notFound("backfill " + id));
  }

  private static void require(BackfillState s, boolean allowed, String what) {
    if (!allowed) {
      throw ProblemException.conflict(
          "backfill " + s.backfillId + " is " + s.status + ": it can't " + what);
    }
  }

  /** The source table, and the tracked fields of a capture. */
  private record Source(TableRef table, String captureId, List<String> trackedFields) {}

  private Source source(BackfillRequest body) {
    if (body.capture() != null && body.table() != null) {
      throw ProblemException.invalidField("capture", "give a table or a capture, not both");
    }
    if (body.capture() != null) {
      CaptureDefined capture =
          runtime
              .capture(body.capture())
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
      return TableRef.parse(runtime.catalog().name(), name);
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
        r.toTime());
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
    Catalog catalog = runtime.catalog().get();
    if (!catalog.tableExists(TableRefs.identifier(target))) {
      throw notFound("validation.target", "table " + target);
    }
    return new BackfillSpec.Validation(v.method(), target, tolerance);
  }

  private static ProblemException notFound(String field, String what) {
    return new ProblemException(
        404,
        "not-found",
        "Not found",
        what + " does not exist",
        List.of(new Problem.FieldError(field, what + " does not exist")));
  }

  /** {@code bf-} and 12 random base-36 digits: unique enough, and safe in a run id. */
  private static String newId() {
    StringBuilder id = new StringBuilder("bf-");
    for (int i = 0; i < 12; i++) {
      id.append(Character.forDigit(RANDOM.nextInt(36), 36));
    }
    return id.toString();
  }
}
