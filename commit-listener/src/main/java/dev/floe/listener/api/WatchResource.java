package dev.floe.listener.api;

import dev.floe.auth.Callers;
import dev.floe.auth.Roles;
import dev.floe.broker.KafkaWrites;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.WatchDefined;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.listener.ListenerRuntime;
import dev.floe.listener.status.TableStatuses;
import dev.floe.listener.watch.Watch;
import dev.floe.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.inject.Instance;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Adds, removes and lists watched tables, with how far each is published. */
@Path("/watches")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "watches", description = "Tables whose every commit is published")
@RolesAllowed(Roles.VIEWER)
public class WatchResource {
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

  private final ListenerRuntime runtime;
  private final Instance<SecurityIdentity> identity;

  @Inject
  public WatchResource(ListenerRuntime runtime, Instance<SecurityIdentity> identity) {
    this.runtime = runtime;
    this.identity = identity;
  }

  @GET
  @Operation(summary = "Every watched table, with its publication status")
  public List<WatchView> list() {
    return runtime.watches().all().stream().map(this::view).toList();
  }

  @GET
  @Path("{table}")
  @Operation(summary = "One watched table, as namespace.table")
  public WatchView get(@PathParam("table") String table) {
    TableRef ref = parse(table);
    return runtime
        .watches()
        .get(Topics.tableKey(ref))
        .map(this::view)
        .orElseThrow(() -> notWatched(table));
  }

  @RolesAllowed(Roles.ADMIN)
  @POST
  @Operation(summary = "Watch a table, or change how it is watched")
  public Response add(@Valid @NotNull WatchRequest body) {
    TableRef ref = parse(body.table());
    String key = Topics.tableKey(ref);
    boolean existed = runtime.watches().get(key).isPresent();
    WatchDefined definition =
        new WatchDefined(
            ref,
            body.branches() == null ? runtime.config().listener().branches() : body.branches(),
            body.initialPosition() == null ? InitialPosition.EARLIEST : body.initialPosition(),
            Callers.name(identity),
            Instant.now());
    write(
        key,
        EventCodec.encode(Event.of(definition, Event.sourceOf("commit-listener"), Instant.now())));
    WatchView view = view(runtime.watches().get(key).orElseThrow());
    return Response.status(existed ? Response.Status.OK : Response.Status.CREATED)
        .location(URI.create("/watches/" + ref.qualifiedName()))
        .entity(view)
        .build();
  }

  @RolesAllowed(Roles.ADMIN)
  @DELETE
  @Path("{table}")
  @Operation(summary = "Stop watching a table that was added over REST")
  public Response remove(@PathParam("table") String table) {
    TableRef ref = parse(table);
    String key = Topics.tableKey(ref);
    Watch watch = runtime.watches().get(key).orElseThrow(() -> notWatched(table));
    if (watch.source() != Watch.Source.API) {
      throw ProblemException.conflict(
          table
              + " is watched by configuration ("
              + watch.source().name().toLowerCase()
              + "): change floe.listener.watch.tables or floe.listener.watch.namespaces instead");
    }
    write(key, null);
    return Response.noContent().build();
  }

  private void write(String key, byte[] value) {
    KafkaWrites.requireReady(
        runtime.producer() != null && runtime.reader() != null, runtime.state());
    KafkaWrites.define(
        runtime.producer(),
        runtime.reader()::awaitApplied,
        new ProducerRecord<>(runtime.config().topics().watches(), key, value),
        WRITE_TIMEOUT);
  }

  private WatchView view(Watch watch) {
    String key = watch.key();
    Optional<ListenerCheckpoint> cp =
        runtime.reader() == null ? Optional.empty() : runtime.reader().checkpoint(key);
    Optional<TableStatuses.Polled> polled = runtime.statuses().get(key);
    boolean here = runtime.engine() != null && runtime.engine().owns(key);
    String error =
        polled
            .map(TableStatuses.Polled::lastError)
            .orElse(cp.map(ListenerCheckpoint::lastError).orElse(null));
    String status =
        error != null ? "error" : cp.map(c -> c.dropped() ? "dropped" : "ok").orElse("pending");
    return new WatchView(
        watch.table().qualifiedName(),
        watch.table().catalog(),
        watch.source().name().toLowerCase(),
        runtime.watches().definedBy(key).orElse(null),
        watch.branches(),
        watch.initialPosition().wireName(),
        status,
        cp.map(ListenerCheckpoint::branchHeads).orElse(null),
        cp.map(ListenerCheckpoint::updatedAt).orElse(null),
        here,
        here ? polled.map(TableStatuses.Polled::lastPollAt).orElse(null) : null,
        here ? runtime.statuses().lag(key, Instant.now()).toMillis() : null,
        here ? polled.map(p -> p.interval().toMillis()).orElse(null) : null,
        error,
        polled.map(TableStatuses.Polled::lastErrorAt).orElse(null));
  }

  private TableRef parse(String table) {
    try {
      return TableRef.parse(runtime.catalogName(), table);
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalidField("table", "must be <namespace>.<table>");
    }
  }

  private static ProblemException notWatched(String table) {
    return ProblemException.notFound("a watch of " + table);
  }
}
