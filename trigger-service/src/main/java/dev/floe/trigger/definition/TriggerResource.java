package dev.floe.trigger.definition;

import dev.floe.auth.Callers;
import dev.floe.auth.Roles;
import dev.floe.broker.KafkaWrites;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.problem.OwnerCalls;
import dev.floe.problem.ProblemException;
import dev.floe.trigger.decide.TriggerTopology;
import dev.floe.trigger.engine.TriggerRuntime;
import dev.floe.trigger.status.TriggerStatus;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Creates, lists, reads, pauses, resumes and deletes triggers. */
@Path("/triggers")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "triggers", description = "Which captured changes start which job, and when")
@RolesAllowed(Roles.VIEWER)
public class TriggerResource {
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

  private final TriggerRuntime runtime;
  private final StatusLookup statuses;
  private final Instance<SecurityIdentity> identity;

  @Inject
  public TriggerResource(
      TriggerRuntime runtime, StatusLookup statuses, Instance<SecurityIdentity> identity) {
    this.runtime = runtime;
    this.statuses = statuses;
    this.identity = identity;
  }

  @GET
  @Operation(summary = "Every trigger")
  public List<TriggerView> list() {
    return runtime.registry().all().stream().map(TriggerView::of).toList();
  }

  @GET
  @Path("{id}")
  @Operation(
      summary =
          "One trigger, with its pending changes, runs in flight, watermarks, lag and recent runs")
  public TriggerView get(
      @PathParam("id") String id,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(OwnerCalls.FORWARDED) String forwarded) {
    TriggerDefined t = trigger(id);
    return TriggerView.of(t).withStatus(statuses.status(id, authorization, forwarded != null));
  }

  @GET
  @Path("{id}/status")
  @Operation(
      summary =
          "A trigger's status, from the instance that holds it; 503 with Retry-After while none"
              + " does")
  public TriggerStatus status(
      @PathParam("id") String id,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(OwnerCalls.FORWARDED) String forwarded) {
    if (forwarded == null) {
      trigger(id);
    } else if (runtime.registry().get(id).isEmpty()) {
      // Asked by another instance, which knows the trigger: this one has not read it yet.
      throw OwnerCalls.unavailable("trigger " + id + " is not read here yet");
    }
    return statuses.status(id, authorization, forwarded != null);
  }

  @RolesAllowed(Roles.ADMIN)
  @POST
  @Operation(summary = "Create a trigger, or replace its definition")
  public Response create(@Valid @NotNull TriggerRequest body) {
    TriggerDefined definition =
        new TriggerRequests(runtime).definition(body, Callers.name(identity));
    boolean existed = runtime.registry().get(body.id()).isPresent();
    write(body.id(), definition);
    return Response.status(existed ? Response.Status.OK : Response.Status.CREATED)
        .location(URI.create("/triggers/" + body.id()))
        .entity(TriggerView.of(definition))
        .build();
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/pause")
  @Consumes(MediaType.WILDCARD)
  @Operation(summary = "Pause a trigger: it keeps collecting changes and starts no run")
  public TriggerView pause(@PathParam("id") String id) {
    return setPaused(id, true);
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/resume")
  @Consumes(MediaType.WILDCARD)
  @Operation(
      summary =
          "Resume a paused trigger, or one held after an input lost a change: the next run lists"
              + " the lost changes")
  public TriggerView resume(@PathParam("id") String id, @Context SecurityContext security) {
    // Written whatever this instance's registry says: a pause written through another instance
    // may not have reached it yet.
    TriggerView view = setPaused(id, false);
    // A hold lives in the decision state, not the definition: the decision core ends it.
    Principal caller = security == null ? null : security.getUserPrincipal();
    command(
        id,
        caller == null || caller.getName().isBlank()
            ? TriggerTopology.RESUME
            : TriggerTopology.RESUME + ":" + caller.getName());
    return view;
  }

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/run")
  @Consumes(MediaType.WILDCARD)
  @Operation(summary = "Start a run of the trigger's pending changes now, ready or not")
  public Response runNow(@PathParam("id") String id) {
    trigger(id);
    command(id, TriggerTopology.RUN_NOW + ":" + Callers.name(identity));
    return Response.accepted(java.util.Map.of("trigger", id, "requested", "run-now")).build();
  }

  /** Sends {@code verb} to the trigger's decision core, on its partition of the changes. */
  private void command(String id, String verb) {
    KafkaWrites.requireReady(runtime.writer() != null, runtime.state());
    ProducerRecord<String, byte[]> command =
        new ProducerRecord<>(runtime.config().topics().changesByTrigger(), id, new byte[0]);
    command
        .headers()
        .add(TriggerTopology.COMMAND, verb.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    KafkaWrites.send(runtime.writer(), command, WRITE_TIMEOUT);
  }

  @RolesAllowed(Roles.ADMIN)
  @DELETE
  @Path("{id}")
  @Operation(summary = "Delete a trigger")
  public Response delete(@PathParam("id") String id) {
    trigger(id);
    write(id, null);
    return Response.noContent().build();
  }

  private TriggerView setPaused(String id, boolean paused) {
    TriggerDefined t = trigger(id);
    TriggerDefined changed =
        new TriggerDefined(
            t.triggerId(),
            t.inputs(),
            t.condition(),
            t.minRecords(),
            t.minChangeSets(),
            t.maxDelay(),
            t.quietPeriod(),
            t.rangeFilters(),
            t.changeKinds(),
            t.propagateBackfills(),
            t.concurrency(),
            t.retry(),
            t.runTimeout(),
            t.launcher(),
            paused,
            t.onLost(),
            Callers.name(identity), // the definition's last writer, as definedAt is
            Instant.now());
    write(id, changed);
    return TriggerView.of(changed);
  }

  private TriggerDefined trigger(String id) {
    return runtime.registry().get(id).orElseThrow(() -> ProblemException.notFound("trigger " + id));
  }

  private void write(String key, TriggerDefined definition) {
    KafkaWrites.requireReady(
        runtime.writer() != null && runtime.definitions() != null, runtime.state());
    byte[] value =
        definition == null
            ? null
            : EventCodec.encode(
                Event.of(definition, Event.sourceOf(TriggerRuntime.SERVICE), Instant.now()));
    KafkaWrites.define(
        runtime.writer(),
        runtime.definitions()::awaitApplied,
        new ProducerRecord<>(runtime.config().topics().triggers(), key, value),
        WRITE_TIMEOUT);
  }
}
