package dev.floe.trigger.definition;

import dev.floe.auth.Roles;
import dev.floe.broker.KafkaWrites;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.OnLost;
import dev.floe.contracts.model.RangeFilter;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import dev.floe.problem.ProblemException;
import dev.floe.trigger.decide.TriggerTopology;
import dev.floe.trigger.engine.TriggerRuntime;
import dev.floe.trigger.launch.LaunchSecrets;
import dev.floe.trigger.launch.ParamsTemplate;
import dev.floe.trigger.status.TriggerStatus;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.internals.Topic;
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

  @Inject
  public TriggerResource(TriggerRuntime runtime) {
    this.runtime = runtime;
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
  public TriggerView get(@PathParam("id") String id) {
    TriggerDefined t = trigger(id);
    return TriggerView.of(t)
        .withStatus(
            runtime.decisionState(id).map(s -> TriggerStatus.of(s, Instant.now())).orElse(null));
  }

  @RolesAllowed(Roles.ADMIN)
  @POST
  @Operation(summary = "Create a trigger, or replace its definition")
  public Response create(@Valid @NotNull TriggerRequest body) {
    TriggerDefined definition = definition(body);
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
    command(id, TriggerTopology.RUN_NOW);
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
            t.definedBy(),
            Instant.now());
    write(id, changed);
    return TriggerView.of(changed);
  }

  /** The definition a valid request makes, with the defaults filled in. */
  TriggerDefined definition(TriggerRequest body) {
    String catalog = runtime.config().catalog().name();
    List<TriggerInput> inputs = new ArrayList<>();
    for (int i = 0; i < body.inputs().size(); i++) {
      TriggerRequest.Input input = body.inputs().get(i);
      if ((input.capture() == null) == (input.table() == null)) {
        throw ProblemException.invalidField(
            "inputs[" + i + "]", "names a capture or a table, exactly one of the two");
      }
      inputs.add(
          input.capture() != null
              ? TriggerInput.capture(input.capture())
              : TriggerInput.table(TableRef.parse(catalog, input.table())));
    }
    if (inputs.stream().distinct().count() < inputs.size()) {
      throw ProblemException.invalidField("inputs", "names the same input twice");
    }
    TriggerCondition condition = parse("condition", body.condition(), TriggerCondition.ANY);
    positive("maxDelay", body.maxDelay());
    notNegative("quietPeriod", body.quietPeriod());
    positive("runTimeout", body.runTimeout());
    List<RangeFilter> filters = new ArrayList<>();
    if (body.rangeFilters() != null) {
      for (int i = 0; i < body.rangeFilters().size(); i++) {
        TriggerRequest.Range r = body.rangeFilters().get(i);
        if (r.from() == null && r.to() == null) {
          throw ProblemException.invalidField("rangeFilters[" + i + "]", "needs from, to or both");
        }
        filters.add(new RangeFilter(r.field(), r.from(), r.to()));
      }
    }
    List<ChangeKind> kinds =
        body.changeKinds() == null || body.changeKinds().isEmpty()
            ? Arrays.stream(ChangeKind.values()).filter(k -> k != ChangeKind.REPLACE).toList()
            : body.changeKinds().stream().distinct().toList();
    return new TriggerDefined(
        body.id(),
        inputs,
        condition,
        body.minRecords() == null ? 0 : body.minRecords(),
        body.minChangeSets() == null ? 1 : body.minChangeSets(),
        body.maxDelay(),
        body.quietPeriod() == null ? Duration.ZERO : body.quietPeriod(),
        filters,
        kinds,
        Boolean.TRUE.equals(body.propagateBackfills()),
        concurrency(body.concurrency()),
        retry(body.retry()),
        body.runTimeout() == null ? runtime.config().trigger().runTimeout() : body.runTimeout(),
        launcher(body.launcher(), runtime.launchSecrets()),
        Boolean.TRUE.equals(body.paused()),
        onLost(body.onLost()),
        "anonymous",
        Instant.now());
  }

  private static Concurrency concurrency(TriggerRequest.ConcurrencyRequest c) {
    if (c == null) {
      return Concurrency.sequential();
    }
    Concurrency.Policy policy =
        c.policy() == null
            ? Concurrency.Policy.SEQUENTIAL
            : parseWith("concurrency.policy", c.policy(), Concurrency.Policy::fromWireName);
    if (policy != Concurrency.Policy.PARALLEL && c.maxParallel() != null && c.maxParallel() != 1) {
      throw ProblemException.invalidField(
          "concurrency.maxParallel", "is only for the parallel policy");
    }
    int max =
        policy == Concurrency.Policy.PARALLEL && c.maxParallel() != null ? c.maxParallel() : 1;
    if (policy == Concurrency.Policy.PARALLEL && c.maxParallel() == null) {
      throw ProblemException.invalidField(
          "concurrency.maxParallel", "is required by the parallel policy");
    }
    return new Concurrency(policy, max);
  }

  private RetryPolicy retry(TriggerRequest.RetryRequest r) {
    int attempts =
        r == null || r.maxAttempts() == null
            ? runtime.config().trigger().maxAttempts()
            : r.maxAttempts();
    Duration backoff =
        r == null || r.backoff() == null ? runtime.config().trigger().retryBackoff() : r.backoff();
    notNegative("retry.backoff", backoff);
    return new RetryPolicy(attempts, backoff);
  }

  private static Launcher launcher(TriggerRequest.LauncherRequest l, LaunchSecrets secrets) {
    Launcher.Type type = parseWith("launcher.type", l.type(), Launcher.Type::fromWireName);
    if (l.headers() != null) {
      for (Map.Entry<String, String> h : l.headers().entrySet()) {
        if (h.getKey() == null || h.getValue() == null) {
          throw ProblemException.invalidField("launcher.headers", "must not hold null");
        }
        secrets
            .problem(h.getKey(), h.getValue())
            .ifPresent(
                why -> {
                  throw ProblemException.invalidField("launcher.headers." + h.getKey(), why);
                });
      }
    }
    switch (type) {
      case WEBHOOK -> url(l.url());
      case MAESTRO -> {
        url(l.url());
        required("launcher.workflowId", l.workflowId());
      }
      case AIRFLOW -> {
        url(l.url());
        required("launcher.dagId", l.dagId());
      }
      case KAFKA -> {
        required("launcher.topic", l.topic());
        try {
          Topic.validate(l.topic());
        } catch (RuntimeException e) {
          throw ProblemException.invalidField("launcher.topic", e.getMessage());
        }
      }
    }
    if (l.params() != null) {
      try {
        ParamsTemplate.parse(l.params()).render(SAMPLE_RUN);
      } catch (IllegalArgumentException e) {
        throw ProblemException.invalidField("launcher.params", e.getMessage());
      }
    }
    return new Launcher(
        type, l.url(), l.workflowId(), l.dagId(), l.topic(), l.params(), l.headers());
  }

  /** A run with every field set, to check templates against. */
  private static final RunRequested SAMPLE_RUN =
      new RunRequested(
          "sample-trigger-1",
          "sample-trigger",
          List.of(
              new RunInput(
                  "sample-capture",
                  new TableRef("lake", List.of("demo"), "orders"),
                  new IcdcRef(
                      new TableRef("lake", List.of("floe_icdc"), "demo__orders__sample"),
                      "run-sample-trigger-1",
                      1L,
                      "s3://warehouse/floe_icdc/demo__orders__sample/metadata/00001.metadata.json"),
                  List.of(new SnapshotRange(1L, 2L, List.of(2L))),
                  List.of("ChangeCaptured:sample"),
                  10,
                  List.of(),
                  false)),
          10,
          false,
          "changes",
          null,
          1);

  private static void url(String url) {
    required("launcher.url", url);
    try {
      URI uri = new URI(url);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw ProblemException.invalidField("launcher.url", "must be an http or https URL");
      }
    } catch (java.net.URISyntaxException e) {
      throw ProblemException.invalidField("launcher.url", "is not a URL: " + e.getMessage());
    }
  }

  private static void required(String field, String value) {
    if (value == null || value.isBlank()) {
      throw ProblemException.invalidField(field, "is required by this launcher type");
    }
  }

  /** The request's {@code onLost}; null (hold, the default) when absent. */
  private static OnLost onLost(String value) {
    return value == null ? null : parseWith("onLost", value, OnLost::fromWireName);
  }

  private static TriggerCondition parse(String field, String value, TriggerCondition fallback) {
    return value == null ? fallback : parseWith(field, value, TriggerCondition::fromWireName);
  }

  private static <T> T parseWith(
      String field, String value, java.util.function.Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalidField(field, e.getMessage());
    }
  }

  private static void positive(String field, Duration value) {
    if (value != null && (value.isNegative() || value.isZero())) {
      throw ProblemException.invalidField(field, "must be a positive duration such as PT1H");
    }
  }

  private static void notNegative(String field, Duration value) {
    if (value != null && value.isNegative()) {
      throw ProblemException.invalidField(field, "must not be negative");
    }
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
