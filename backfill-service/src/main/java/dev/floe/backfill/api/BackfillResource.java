package dev.floe.backfill.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.auth.Callers;
import dev.floe.auth.Roles;
import dev.floe.backfill.engine.BackfillRuntime;
import dev.floe.backfill.plan.BackfillPlanner;
import dev.floe.backfill.run.BackfillMachine;
import dev.floe.backfill.run.BackfillState;
import dev.floe.backfill.run.BackfillStatus;
import dev.floe.backfill.run.BackfillTopology;
import dev.floe.broker.EventRecords;
import dev.floe.broker.KafkaWrites;
import dev.floe.contracts.event.BackfillCancelled;
import dev.floe.contracts.event.BackfillChunksPlanned;
import dev.floe.contracts.event.BackfillPaused;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.BackfillResumed;
import dev.floe.contracts.event.BackfillRetried;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
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
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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

  private final BackfillRuntime runtime;
  private final Instance<SecurityIdentity> identity;
  private final BackfillRequests requests;
  private final BackfillOwners owners;
  private final ObjectMapper json;

  @Inject
  public BackfillResource(
      BackfillRuntime runtime, Instance<SecurityIdentity> identity, ObjectMapper json) {
    this.runtime = runtime;
    this.identity = identity;
    this.requests = new BackfillRequests(runtime::capture, runtime::trigger, runtime.catalog());
    this.owners = new BackfillOwners(runtime, json);
    this.json = json;
  }

  @GET
  @Operation(
      summary =
          "Every backfill, from every instance, newest first, without chunks; 503 with Retry-After"
              + " while an instance does not answer")
  @APIResponse(
      responseCode = "200",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(type = SchemaType.ARRAY, implementation = BackfillView.class)))
  public Response list(@Context HttpHeaders headers) {
    return owners.list(headers);
  }

  @GET
  @Path("{id}")
  @Operation(
      summary =
          "One backfill: state, progress, ETA, and a page of its chunks (chunkState, chunkFrom,"
              + " chunkLimit), each with its state, counts, validation")
  @APIResponse(
      responseCode = "200",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = BackfillView.class)))
  public Response get(
      @PathParam("id") String id,
      @QueryParam("chunkState") String chunkState,
      @QueryParam("chunkFrom") Integer chunkFrom,
      @QueryParam("chunkLimit") Integer chunkLimit,
      @Context UriInfo uri,
      @Context HttpHeaders headers) {
    ChunkPage page = ChunkPage.of(chunkState, chunkFrom, chunkLimit);
    return owners
        .elsewhere(id, "GET", uri, headers, null)
        .orElseGet(() -> Response.ok(BackfillView.of(backfill(id), page, Instant.now())).build());
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Blocking
  @Operation(
      summary = "Plan a backfill from metadata and start it; with dryRun, answer the plan only")
  public CompletionStage<Response> create(
      @Valid @NotNull BackfillRequest body, @Context UriInfo uri, @Context HttpHeaders headers)
      throws JsonProcessingException {
    boolean dryRun = Boolean.TRUE.equals(body.dryRun());
    if (!dryRun) {
      KafkaWrites.requireReady(runtime.writer() != null, runtime.state());
    }
    String id = body.id() != null ? body.id() : newId();
    if (!dryRun) {
      // The instance that will hold the backfill plans it, and tells whether the id is taken.
      ObjectNode withId = json.valueToTree(body);
      withId.put("id", id);
      Optional<Response> there =
          owners.elsewhere(id, "POST", uri, headers, json.writeValueAsString(withId));
      if (there.isPresent()) {
        return CompletableFuture.completedFuture(there.get());
      }
    }
    if (runtime.backfill(id).isPresent()) {
      throw ProblemException.conflict("backfill " + id + " exists");
    }
    BackfillRequests.Source source = requests.source(body);
    BackfillSpec spec = requests.spec(body, source);
    BackfillPlanner.Plan plan = requests.plan(runtime.planner(), id, spec, source, body, dryRun);
    if (dryRun) {
      return CompletableFuture.completedFuture(Response.ok(BackfillView.plan(id, plan)).build());
    }
    List<List<ChunkPlan>> pages = BackfillRequests.pages(plan);
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    records.add(
        command(
            new BackfillPlanned(
                id,
                0,
                plan.spec(),
                pages.get(0),
                plan.records(),
                plan.dataFiles(),
                plan.bytes(),
                Callers.name(identity),
                plan.chunks().size())));
    if (body.validation() != null && body.validation().url() != null) {
      records
          .get(0)
          .headers()
          .add(
              BackfillTopology.VALIDATION_URL,
              body.validation().url().getBytes(StandardCharsets.UTF_8));
    }
    pages.stream().skip(1).forEach(p -> records.add(command(new BackfillChunksPlanned(id, 0, p))));
    byte[] planId = java.util.UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    records.forEach(r -> r.headers().add(BackfillTopology.PLAN_ID, planId));
    runtime.plans().write(records, WRITE_TIMEOUT);
    // Absolute now: the answer is built off the request thread, where no request is current.
    URI location = uri.getBaseUriBuilder().path("backfills").path(id).build();
    return applied(id, s -> s.status != BackfillStatus.PLANNING)
        .thenApply(
            applied -> {
              BackfillView view =
                  applied.map(BackfillResource::view).orElseGet(() -> BackfillView.plan(id, plan));
              return Response.created(location).entity(view).build();
            });
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Blocking
  @Path("{id}/pause")
  @Consumes(MediaType.WILDCARD)
  @Operation(summary = "Pause: running chunks finish, no new chunk starts")
  public CompletionStage<Response> pause(
      @PathParam("id") String id,
      @QueryParam("reason") String reason,
      @Context UriInfo uri,
      @Context HttpHeaders headers) {
    return steer(
        id,
        uri,
        headers,
        BackfillMachine::canPause,
        "pause",
        (s, by) -> new BackfillPaused(id, 0, by, reason, Instant.now()),
        reason);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Blocking
  @Path("{id}/resume")
  @Consumes(MediaType.WILDCARD)
  @Operation(summary = "Resume a paused backfill")
  public CompletionStage<Response> resume(
      @PathParam("id") String id,
      @QueryParam("reason") String reason,
      @Context UriInfo uri,
      @Context HttpHeaders headers) {
    return steer(
        id,
        uri,
        headers,
        BackfillMachine::canResume,
        "resume",
        (s, by) -> new BackfillResumed(id, 0, by, reason, Instant.now()),
        reason);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Blocking
  @Path("{id}/cancel")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      summary = "Cancel: chunks not started never start; running ones finish and are recorded")
  public CompletionStage<Response> cancel(
      @PathParam("id") String id,
      @QueryParam("reason") String reason,
      @Context UriInfo uri,
      @Context HttpHeaders headers) {
    return steer(
        id,
        uri,
        headers,
        BackfillMachine::canCancel,
        "cancel",
        (s, by) -> new BackfillCancelled(id, 0, by, reason, Instant.now()),
        reason);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Blocking
  @Path("{id}/retry")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      summary =
          "Retry a failed or cancelled backfill: only its failed, invalid and cancelled chunks run again")
  public CompletionStage<Response> retry(
      @PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
    return steer(
        id,
        uri,
        headers,
        BackfillMachine::canRetry,
        "retry",
        // The decision core lists the chunks that run again, in the event it publishes.
        (s, by) -> new BackfillRetried(id, 0, List.of(), by, Instant.now()),
        null);
  }

  /**
   * An operator's command about a backfill: sent on to the instance that holds it, or taken here
   * when the backfill's state {@code allows} it (409 otherwise).
   *
   * @param command the command, from the backfill's state and the caller's name
   */
  private CompletionStage<Response> steer(
      String id,
      UriInfo uri,
      HttpHeaders headers,
      Predicate<BackfillState> allows,
      String what,
      BiFunction<BackfillState, String, Payload> command,
      String reason) {
    Optional<Response> there = owners.elsewhere(id, "POST", uri, headers, null);
    if (there.isPresent()) {
      return CompletableFuture.completedFuture(there.get());
    }
    BackfillState s = backfill(id);
    require(s, allows.test(s), what);
    return steer(s, command.apply(s, Callers.name(identity)), reason);
  }

  private CompletionStage<Response> steer(BackfillState s, Payload command, String reason) {
    KafkaWrites.requireReady(runtime.writer() != null, runtime.state());
    ProducerRecord<String, byte[]> record = command(command);
    if (reason != null) {
      record.headers().add(BackfillTopology.REASON, reason.getBytes(StandardCharsets.UTF_8));
    }
    KafkaWrites.send(runtime.writer(), record, WRITE_TIMEOUT);
    long before = s.revision;
    return applied(s.backfillId, x -> x.revision > before)
        .thenApply(
            applied -> {
              BackfillView view = view(applied.orElse(s));
              return applied.isPresent()
                  ? Response.ok(view).build()
                  : Response.accepted(view).build();
            });
  }

  /** A command's answer: without chunks while they can't be read, not an error: it took. */
  private static BackfillView view(BackfillState s) {
    try {
      return BackfillView.of(s, ChunkPage.FIRST, Instant.now());
    } catch (BackfillRuntime.StoreUnavailableException e) {
      return BackfillView.of(s, null, Instant.now());
    }
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

  /**
   * This instance's view of the backfill once it shows the command {@code applied}, or empty when
   * that takes longer than {@link #APPLY_TIMEOUT} (the command is written; its effect shows later).
   * No request thread waits: the decision core's change completes the answer.
   */
  private CompletionStage<Optional<BackfillState>> applied(
      String id, Predicate<BackfillState> applied) {
    CompletableFuture<Boolean> change = runtime.updates().when(id, applied, APPLY_TIMEOUT);
    Optional<BackfillState> now = stored(id).filter(applied);
    if (now.isPresent()) {
      change.complete(true);
      return CompletableFuture.completedFuture(now);
    }
    // Completed on the decision core's thread: read the store elsewhere.
    return change.thenApplyAsync(
        done -> done ? stored(id).filter(applied) : Optional.<BackfillState>empty());
  }

  private Optional<BackfillState> stored(String id) {
    try {
      return runtime.backfill(id);
    } catch (BackfillRuntime.StoreUnavailableException rebalancing) {
      return Optional.empty();
    }
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

  /** {@code bf-} and 12 random base-36 digits: unique enough, and safe in a run id. */
  private static String newId() {
    StringBuilder id = new StringBuilder("bf-");
    for (int i = 0; i < 12; i++) {
      id.append(Character.forDigit(RANDOM.nextInt(36), 36));
    }
    return id.toString();
  }
}
