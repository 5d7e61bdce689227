package dev.floe.listener.api;

import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.listener.ListenerRuntime;
import dev.floe.listener.hint.HintParser;
import dev.floe.problem.ProblemException;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Receives commit reports at the Iceberg REST spec's metrics path, from Floe's writer-side reporter
 * or from a REST catalog or proxy that forwards them. A report becomes a hint on the hints topic,
 * where the instance that owns the table picks it up. A hint only makes the table be polled now.
 */
@Path("/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "hints", description = "Commit reports that make the listener look at a table at once")
@PermitAll
public class HintResource {
  /** The Iceberg REST spec separates namespace levels in a path with the unit separator. */
  static final String NAMESPACE_SEPARATOR = "\u001f";

  private final ListenerRuntime runtime;

  @Inject
  public HintResource(ListenerRuntime runtime) {
    this.runtime = runtime;
  }

  @POST
  @Path("namespaces/{namespace}/tables/{table}/metrics")
  @Operation(summary = "Report a commit (Iceberg ReportMetricsRequest)")
  public Response report(
      @PathParam("namespace") String namespace, @PathParam("table") String table, String body) {
    HintParser.Hint hint;
    try {
      hint = HintParser.parse(body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalidField("body", e.getMessage());
    }
    if (!hint.isCommit()) {
      return Response.noContent().build();
    }
    TableRef ref =
        new TableRef(runtime.catalogName(), List.of(namespace.split(NAMESPACE_SEPARATOR)), table);
    if (runtime.producer() == null) {
      throw new ProblemException(
          503,
          "unavailable",
          "Kafka is not ready",
          "the listener cannot reach Kafka yet",
          List.of());
    }
    String key = Topics.tableKey(ref);
    runtime
        .producer()
        .send(
            new ProducerRecord<>(
                runtime.config().topics().hints(), key, body.getBytes(StandardCharsets.UTF_8)));
    return Response.noContent().build();
  }

  @POST
  @Path("{prefix}/namespaces/{namespace}/tables/{table}/metrics")
  @Operation(summary = "Report a commit under a catalog prefix (Iceberg ReportMetricsRequest)")
  public Response reportWithPrefix(
      @PathParam("prefix") String prefix,
      @PathParam("namespace") String namespace,
      @PathParam("table") String table,
      String body) {
    return report(namespace, table, body);
  }
}
