package dev.floe.capture.definition;

import dev.floe.auth.Callers;
import dev.floe.auth.Roles;
import dev.floe.broker.KafkaWrites;
import dev.floe.capture.engine.CaptureRuntime;
import dev.floe.capture.pin.SourcePins;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.RowTransactionTopic;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Creates, lists, reads and deletes captures; releases their pins. */
@Path("/captures")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "captures", description = "Source tables whose changes become ICDC states")
@RolesAllowed(Roles.VIEWER)
public class CaptureResource {
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

  private final CaptureRuntime runtime;
  private final Instance<SecurityIdentity> identity;

  @Inject
  public CaptureResource(CaptureRuntime runtime, Instance<SecurityIdentity> identity) {
    this.runtime = runtime;
    this.identity = identity;
  }

  @GET
  @Operation(summary = "Every capture")
  public List<CaptureView> list() {
    return runtime.registry().all().stream().map(c -> view(c, false)).toList();
  }

  @GET
  @Path("{id}")
  @Operation(summary = "One capture, with its readable states and pinned snapshots")
  public CaptureView get(@PathParam("id") String id) {
    return view(capture(id), true);
  }

  @RolesAllowed(Roles.ADMIN)
  @POST
  @Operation(summary = "Create a capture, or replace its definition")
  public Response create(@Valid @NotNull CaptureRequest body) {
    TableRef table = TableRef.parse(runtime.catalog().name(), body.table());
    if (body.coalesceWindow() != null && !body.coalesceWindow().isZero()) {
      throw ProblemException.invalidField(
          "coalesceWindow", "only PT0S (one change set per commit) is supported");
    }
    positive("icdcTtl", body.icdcTtl());
    positive("pinTtl", body.pinTtl());
    checkFields(table, body.trackedFields());
    if (Boolean.TRUE.equals(body.rowStreamSnapshot()) && !Boolean.TRUE.equals(body.rowStream())) {
      throw ProblemException.invalidField("rowStreamSnapshot", "needs rowStream: true");
    }
    if (Boolean.FALSE.equals(body.rowStreamTombstones())
        && !Boolean.TRUE.equals(body.rowStream())) {
      throw ProblemException.invalidField("rowStreamTombstones", "needs rowStream: true");
    }
    if (body.rowStreamTransactionTopic() == RowTransactionTopic.CAPTURE
        && !Boolean.TRUE.equals(body.rowStream())) {
      throw ProblemException.invalidField("rowStreamTransactionTopic", "needs rowStream: true");
    }
    if (Boolean.TRUE.equals(body.rowStream())) {
      checkOneRowStream(table, body.id());
    }
    boolean existed = runtime.registry().get(body.id()).isPresent();
    CaptureDefined definition =
        new CaptureDefined(
            body.id(),
            table,
            body.branch() == null ? "main" : body.branch(),
            body.trackedFields(),
            body.changeKinds() == null || body.changeKinds().isEmpty()
                ? Arrays.asList(ChangeKind.values())
                : body.changeKinds().stream().distinct().toList(),
            icdcTable(body, table),
            Duration.ZERO,
            body.icdcTtl() == null ? runtime.config().capture().icdcTtl() : body.icdcTtl(),
            body.pinTtl() == null ? runtime.config().capture().pinTtl() : body.pinTtl(),
            Boolean.TRUE.equals(body.exactRanges()),
            Boolean.TRUE.equals(body.rowStream()),
            Boolean.TRUE.equals(body.rowStreamSnapshot()),
            body.rowStreamTombstones(),
            body.rowStreamTransactionTopic(),
            Callers.name(identity),
            Instant.now());
    write(
        body.id(),
        EventCodec.encode(
            Event.of(definition, Event.sourceOf("change-capture-service"), Instant.now())));
    return Response.status(existed ? Response.Status.OK : Response.Status.CREATED)
        .location(URI.create("/captures/" + body.id()))
        .entity(view(definition, false))
        .build();
  }

  @RolesAllowed(Roles.ADMIN)
  @DELETE
  @Path("{id}")
  @Operation(summary = "Delete a capture; its ICDC table stays, its pins are released")
  public Response delete(@PathParam("id") String id) {
    CaptureDefined capture = capture(id);
    write(id, null);
    try {
      SourcePins.release(sourceTable(capture), id, snapshot -> true);
    } catch (NoSuchTableException gone) {
      // nothing left to unpin
    }
    return Response.noContent().build();
  }

  /** Which snapshots to unpin. */
  public record ReleaseRequest(@NotNull Long upToSnapshotId) {}

  @RolesAllowed(Roles.OPERATOR)
  @POST
  @Path("{id}/pins/release")
  @Operation(summary = "Release the pins of every snapshot up to and including one, once consumed")
  public Map<String, Integer> release(
      @PathParam("id") String id, @Valid @NotNull ReleaseRequest body) {
    CaptureDefined capture = capture(id);
    Table source = sourceTable(capture);
    var upTo = source.snapshot(body.upToSnapshotId());
    if (upTo == null) {
      throw ProblemException.invalidField(
          "upToSnapshotId", "is not a snapshot of " + capture.table().qualifiedName());
    }
    int released =
        SourcePins.release(
            source,
            id,
            snapshot ->
                source.snapshot(snapshot) == null
                    || source.snapshot(snapshot).sequenceNumber() <= upTo.sequenceNumber());
    return Map.of("released", released);
  }

  private void checkFields(TableRef table, List<String> fields) {
    if (fields == null || fields.isEmpty()) {
      return;
    }
    Schema schema;
    try {
      schema = catalog().loadTable(TableRefs.identifier(table)).schema();
    } catch (NoSuchTableException e) {
      return; // a table captured before it exists: fields are checked as changes arrive
    }
    for (int i = 0; i < fields.size(); i++) {
      var field = schema.findField(fields.get(i));
      if (field == null) {
        throw ProblemException.invalidField(
            "trackedFields[" + i + "]",
            "'" + fields.get(i) + "' is not a field of " + table.qualifiedName());
      }
      if (!field.type().isPrimitiveType()) {
        throw ProblemException.invalidField(
            "trackedFields[" + i + "]",
            "'" + fields.get(i) + "' is not a primitive field: it has no range");
      }
    }
  }

  private static void positive(String field, Duration value) {
    if (value != null && (value.isNegative() || value.isZero())) {
      throw ProblemException.invalidField(field, "must be a positive duration such as P7D");
    }
  }

  private TableRef icdcTable(CaptureRequest body, TableRef source) {
    String namespace =
        body.icdc() != null && body.icdc().namespace() != null
            ? body.icdc().namespace()
            : runtime.config().capture().icdcNamespace();
    String name =
        body.icdc() != null && body.icdc().table() != null
            ? body.icdc().table()
            : String.join("_", source.namespace())
                + "__"
                + source.name()
                + "__"
                + body.id().replace('-', '_');
    return new TableRef(source.catalog(), List.of(namespace.split("\\.")), name);
  }

  private CaptureView view(CaptureDefined c, boolean details) {
    Integer states = null;
    Integer pinned = null;
    Map<String, List<Long>> readers = null;
    if (details) {
      readers = runtime.readers().readers(c);
      readers = readers.isEmpty() ? null : readers;
      try {
        Catalog catalog = catalog();
        TableIdentifier icdcId = IcdcTables.identifier(c);
        if (catalog.tableExists(icdcId)) {
          states =
              (int)
                  catalog.loadTable(icdcId).refs().keySet().stream()
                      .filter(
                          n ->
                              n.startsWith(IcdcStates.CHANGE_PREFIX)
                                  || n.startsWith(IcdcStates.REMOVED_PREFIX))
                      .count();
        }
        pinned = SourcePins.pinned(sourceTable(c), c.captureId()).size();
      } catch (RuntimeException e) {
        // the catalog is down or the source gone: the definition still shows
      }
    }
    return new CaptureView(
        c.captureId(),
        c.table().qualifiedName(),
        c.branch(),
        c.trackedFields(),
        c.changeKinds().stream().map(ChangeKind::wireName).toList(),
        c.icdcTable().qualifiedName(),
        c.coalesceWindow(),
        c.icdcTtl(),
        c.pinTtl(),
        c.exactRanges(),
        c.rowStream(),
        c.rowStreamSnapshot(),
        c.rowStreamTombstones(),
        c.rowStreamTransactionTopic().wireName(),
        c.definedBy(),
        c.definedAt(),
        states,
        pinned,
        readers);
  }

  /**
   * A table's row stream is one topic: a second capture streaming it would publish every row twice.
   */
  private void checkOneRowStream(TableRef table, String id) {
    runtime.registry().forTable(Topics.tableKey(table)).stream()
        .filter(c -> c.rowStream() && !c.captureId().equals(id))
        .findFirst()
        .ifPresent(
            other -> {
              String message =
                  "capture "
                      + other.captureId()
                      + " already streams the rows of "
                      + table.qualifiedName()
                      + " to "
                      + Topics.rows(table);
              throw new ProblemException(
                  409,
                  "conflict",
                  "Conflict",
                  "rowStream: " + message,
                  List.of(new Problem.FieldError("rowStream", message)));
            });
  }

  private CaptureDefined capture(String id) {
    return runtime.registry().get(id).orElseThrow(() -> ProblemException.notFound("capture " + id));
  }

  private Table sourceTable(CaptureDefined capture) {
    return catalog().loadTable(TableRefs.identifier(capture.table()));
  }

  private Catalog catalog() {
    try {
      return runtime.catalog().get();
    } catch (RuntimeException e) {
      throw new ProblemException(
          503,
          "unavailable",
          "The catalog is not reachable",
          e.getMessage(),
          List.<Problem.FieldError>of());
    }
  }

  private void write(String key, byte[] value) {
    KafkaWrites.requireReady(
        runtime.writer() != null && runtime.definitions() != null, runtime.state());
    KafkaWrites.define(
        runtime.writer(),
        runtime.definitions()::awaitApplied,
        new ProducerRecord<>(runtime.config().topics().captures(), key, value),
        WRITE_TIMEOUT);
  }
}
