package dev.floe.trigger.run;

import dev.floe.auth.Callers;
import dev.floe.auth.Roles;
import dev.floe.broker.EventRecords;
import dev.floe.broker.KafkaWrites;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunCancelled;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.model.ChunkRuns;
import dev.floe.problem.ProblemException;
import dev.floe.trigger.engine.TriggerRuntime;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Where jobs report how their run went. Each report becomes a run event on {@code floe.runs}; the
 * decision core reads it there, as it reads reports that in-house runners publish directly. Runs of
 * backfill chunks ({@link ChunkRuns}) are reported here too: the backfill-service reads them.
 */
@Path("/runs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "runs", description = "Run status reported by jobs")
@RolesAllowed(Roles.OPERATOR)
public class RunResource {
  /** {@code <trigger id>-<epoch>-<sequence>}, as the decision core names runs. */
  private static final Pattern RUN_ID =
      Pattern.compile("([a-z0-9][a-z0-9_-]{0,99})-([0-9a-z]+)-([0-9]+)");

  private static final java.time.Duration WRITE_TIMEOUT = java.time.Duration.ofSeconds(10);

  private final TriggerRuntime runtime;
  private final Instance<SecurityIdentity> identity;

  @Inject
  public RunResource(TriggerRuntime runtime, Instance<SecurityIdentity> identity) {
    this.runtime = runtime;
    this.identity = identity;
  }

  /**
   * A job's report.
   *
   * @param status started, succeeded, failed or cancelled
   * @param attempt the attempt reported on, from {@code Floe-Attempt}; 1 when absent
   * @param message why it failed or was cancelled
   * @param errorKind of a failure: transient (retried; the default), permanent or timeout
   * @param externalRunId the job's own run id
   * @param durationMs how long a successful run took
   */
  public record StatusReport(
      @NotBlank @Schema(example = "succeeded") String status,
      @Min(1) Integer attempt,
      @Size(max = 2000) String message,
      String errorKind,
      @Size(max = 200) String externalRunId,
      @Min(0) Long durationMs) {}

  @POST
  @Path("{runId}/status")
  @Operation(summary = "Report a run's status: started, succeeded, failed or cancelled")
  public Response report(@PathParam("runId") String runId, @Valid @NotNull StatusReport body) {
    Matcher run = RUN_ID.matcher(runId);
    Optional<ChunkRuns.ChunkRun> chunk = ChunkRuns.parse(runId);
    if (!run.matches() && chunk.isEmpty()) {
      throw ProblemException.invalidField("runId", "is not a run id of this service");
    }
    String triggerId = run.matches() ? run.group(1) : chunk.get().triggerId();
    int attempt = body.attempt() == null ? 1 : body.attempt();
    Instant now = Instant.now();
    Payload event =
        switch (body.status()) {
          case "started" ->
              new RunStarted(runId, triggerId, attempt, "callback", body.externalRunId(), now);
          case "succeeded" ->
              new RunSucceeded(
                  runId,
                  triggerId,
                  attempt,
                  body.externalRunId(),
                  now,
                  body.durationMs() == null ? 0 : body.durationMs());
          case "failed" ->
              new RunFailed(
                  runId,
                  triggerId,
                  attempt,
                  errorKind(body.errorKind()),
                  body.message() == null ? "the job reported a failure" : body.message(),
                  false,
                  null,
                  now);
          case "cancelled" ->
              new RunCancelled(
                  runId,
                  triggerId,
                  body.message() == null ? "cancelled by the job" : body.message(),
                  Callers.name(identity),
                  now);
          default ->
              throw ProblemException.invalidField(
                  "status", "must be started, succeeded, failed or cancelled");
        };
    publish(event);
    return Response.accepted().build();
  }

  private static RunFailed.ErrorKind errorKind(String kind) {
    if (kind == null) {
      return RunFailed.ErrorKind.TRANSIENT;
    }
    for (RunFailed.ErrorKind k : RunFailed.ErrorKind.values()) {
      if (k.wireName().equals(kind)) {
        return k;
      }
    }
    throw ProblemException.invalidField("errorKind", "must be transient, permanent or timeout");
  }

  private void publish(Payload payload) {
    KafkaWrites.requireReady(runtime.writer() != null, runtime.state());
    KafkaWrites.send(
        runtime.writer(),
        EventRecords.of(
            runtime.config().topics().runs(),
            Event.of(payload, Event.sourceOf(TriggerRuntime.SERVICE), Instant.now())),
        WRITE_TIMEOUT);
  }
}
