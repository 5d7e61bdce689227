package dev.floe.trigger.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.model.Launcher;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Reads Maestro's answer to a start. Maestro answers every start with 200 and says in {@code
 * status} what it did ({@code InstanceRunStatus}):
 *
 * <ul>
 *   <li>{@code CREATED}: the instance {@code workflow_instance_id} was created;
 *   <li>{@code DUPLICATED}: an instance with this {@code request_id} exists, and the answer's ids
 *       are 0: the instance is looked up among the workflow's newest ones by its {@code
 *       workflow_uuid}, which is the request id (Maestro has no lookup by it);
 *   <li>{@code STOPPED}: the workflow's run strategy ({@code FIRST_ONLY}) stopped the new instance
 *       because another one runs; a failed start, with the reason from the instance's timeline;
 *   <li>{@code INTERNAL_ERROR}: a transient failure.
 * </ul>
 */
final class MaestroStarts {
  private static final Logger LOG = Logger.getLogger(MaestroStarts.class);
  private static final ObjectMapper JSON = EventCodec.mapper();

  /** Instances of one page of Maestro's listing, its most. */
  static final int PAGE = 200;

  /** Pages of the newest instances searched for a duplicated start's instance. */
  static final int PAGES = 5;

  private final HttpClient http;
  private final Duration timeout;
  private final LaunchRequests requests;

  MaestroStarts(HttpClient http, Duration timeout, LaunchRequests requests) {
    this.http = http;
    this.timeout = timeout;
    this.requests = requests;
  }

  /** What Maestro's 2xx answer {@code body} to the start of {@code requestId} means. */
  CompletableFuture<JobLauncher.Outcome> outcome(Launcher launcher, UUID requestId, String body) {
    JsonNode answer;
    try {
      answer = JSON.readTree(body);
    } catch (IOException e) {
      answer = null;
    }
    if (answer == null || !answer.isObject()) {
      return done(failed(RunFailed.ErrorKind.PERMANENT, "Maestro answered no start: " + body));
    }
    String instance = answer.path("workflow_instance_id").asText(null);
    return switch (answer.path("status").asText("CREATED")) {
      case "CREATED" -> done(new JobLauncher.Started(instance));
      case "DUPLICATED" -> duplicated(launcher, requestId);
      case "STOPPED" -> stopped(launcher, instance);
      case "INTERNAL_ERROR" ->
          done(failed(RunFailed.ErrorKind.TRANSIENT, "Maestro answered INTERNAL_ERROR: " + body));
      default ->
          done(
              failed(
                  RunFailed.ErrorKind.PERMANENT,
                  "Maestro answered status " + answer.path("status").asText() + ": " + body));
    };
  }

  /**
   * The instance an earlier start with this request id created, from the newest pages: started,
   * unless the run strategy stopped it then (its answer lost, say, to a time-out).
   */
  private CompletableFuture<JobLauncher.Outcome> duplicated(Launcher launcher, UUID requestId) {
    return search(launcher, requestId.toString(), null, 1)
        .handle(
            (instance, error) -> {
              if (error != null || instance == null) {
                LOG.warnf(
                    "Maestro had started request %s of workflow %s already; its instance was not"
                        + " found among the newest %d (%s)",
                    requestId,
                    launcher.workflowId(),
                    PAGE * PAGES,
                    error == null ? "not listed" : error.toString());
                return done(new JobLauncher.Started(null));
              }
              String id = instance.path("workflow_instance_id").asText();
              return "STOPPED".equals(instance.path("status").asText())
                  ? stopped(launcher, id)
                  : done(new JobLauncher.Started(id));
            })
        .thenCompose(outcome -> outcome);
  }

  private CompletableFuture<JsonNode> search(
      Launcher launcher, String uuid, String cursor, int page) {
    String query = "?first=" + PAGE + (cursor == null ? "" : "&cursor=" + encode(cursor));
    return get(launcher, "/instances" + query)
        .thenCompose(
            listing -> {
              JsonNode best = null;
              for (JsonNode element : listing.path("elements")) {
                if (uuid.equals(element.path("workflow_uuid").asText())
                    && (best == null
                        || element.path("workflow_instance_id").asLong()
                            > best.path("workflow_instance_id").asLong())) {
                  best = element;
                }
              }
              if (best != null) {
                return CompletableFuture.completedFuture(best);
              }
              JsonNode info = listing.path("page_info");
              String next = info.path("end_cursor").asText(null);
              if (page >= PAGES || !info.path("has_next_page").asBoolean(false) || next == null) {
                return CompletableFuture.completedFuture(null);
              }
              return search(launcher, uuid, next, page + 1);
            });
  }

  /** A start the run strategy stopped: failed, with the last message of its timeline. */
  private CompletableFuture<JobLauncher.Outcome> stopped(Launcher launcher, String instance) {
    String generic =
        "Maestro stopped instance "
            + instance
            + " of workflow "
            + launcher.workflowId()
            + " at its start (the workflow's run strategy lets no second instance run)";
    if (instance == null) {
      return done(failed(RunFailed.ErrorKind.PERMANENT, generic));
    }
    return get(launcher, "/instances/" + encode(instance))
        .handle(
            (view, error) -> {
              String reason = null;
              if (error == null) {
                for (JsonNode event : view.path("timeline")) {
                  if ("LOG".equals(event.path("type").asText())) {
                    reason = event.path("message").asText(null); // the last one
                  }
                }
              }
              return failed(
                  RunFailed.ErrorKind.PERMANENT,
                  reason == null ? generic : generic + ": " + reason);
            });
  }

  private CompletableFuture<JsonNode> get(Launcher launcher, String path) {
    URI uri =
        URI.create(
            LaunchRequests.trim(launcher.url())
                + "/api/v3/workflows/"
                + encode(launcher.workflowId())
                + path);
    HttpRequest request =
        requests
            .launcherHeaders(
                HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json"),
                launcher)
            .GET()
            .build();
    return Exchanges.send(http, request, timeout)
        .thenApply(
            response -> {
              if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(uri + " answered " + response.statusCode());
              }
              try {
                return JSON.readTree(response.body());
              } catch (IOException e) {
                throw new IllegalStateException(uri + " answered no JSON", e);
              }
            });
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static JobLauncher.Outcome failed(RunFailed.ErrorKind kind, String message) {
    return new JobLauncher.Failed(kind, message);
  }

  private static CompletableFuture<JobLauncher.Outcome> done(JobLauncher.Outcome outcome) {
    return CompletableFuture.completedFuture(outcome);
  }
}
