package dev.floe.trigger.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.broker.Failures;
import dev.floe.catalog.CatalogFailures;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.Launcher;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Starts a run's job, passing the run id as its idempotency key: a webhook gets it in an {@code
 * Idempotency-Key} header, Maestro as its {@code request_id} (a UUID named by the run id and
 * attempt), Airflow in the {@code dag_run_id}, a Kafka command topic as the record key. Transient
 * failures (5xx, 429, connection errors, timeouts) are retried here with a doubling back-off; a 4xx
 * fails at once. A 409 from Airflow or a webhook means the run exists already: it is started.
 */
public final class JobLauncher {
  private static final Logger LOG = Logger.getLogger(JobLauncher.class);

  /** A network failure may pass on the next try, as the catalog's do. */
  private static final Failures FAILURES = Failures.of(CatalogFailures::isTransient);

  private static final ObjectMapper JSON = EventCodec.mapper();

  /** What became of a launch. */
  public sealed interface Outcome {}

  /** The job was started, or had been already. */
  public record Started(String externalRunId) implements Outcome {}

  /** The job could not be started. */
  public record Failed(RunFailed.ErrorKind kind, String message) implements Outcome {}

  private final HttpClient http;
  private final Duration timeout;
  private final int tries;
  private final Duration firstBackoff;
  private final LaunchSecrets secrets;

  /**
   * @param tries attempts of one launch for transient failures, the first included
   * @param firstBackoff the wait before the second; it doubles
   * @param secrets what the launchers' headers refer to
   */
  public JobLauncher(Duration timeout, int tries, Duration firstBackoff, LaunchSecrets secrets) {
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.timeout = timeout;
    this.tries = tries;
    this.firstBackoff = firstBackoff;
    this.secrets = secrets;
  }

  /**
   * True for a launcher that writes a command record: it launches inside the caller's transaction.
   */
  public static boolean writesCommand(Launcher launcher) {
    return launcher.type() == Launcher.Type.KAFKA;
  }

  /**
   * Sends a Kafka launcher's command record with {@code commands}, so that it commits with the
   * caller's transaction.
   */
  public Outcome command(Launcher launcher, RunRequested run, Producer<String, byte[]> commands) {
    String params;
    try {
      params = params(launcher, run);
    } catch (IllegalArgumentException e) {
      return new Failed(RunFailed.ErrorKind.PERMANENT, "params: " + e.getMessage());
    }
    ProducerRecord<String, byte[]> command =
        new ProducerRecord<>(
            launcher.topic(), run.runId(), params.getBytes(StandardCharsets.UTF_8));
    command.headers().add("Idempotency-Key", run.runId().getBytes(StandardCharsets.UTF_8));
    command
        .headers()
        .add("Floe-Attempt", Integer.toString(run.attempt()).getBytes(StandardCharsets.UTF_8));
    commands.send(command);
    return new Started(null);
  }

  /**
   * Calls an HTTP launcher's endpoint. Nothing here blocks the caller: the call, its time-out and
   * the back-off between tries run on the HTTP client's and a timer's threads, and the future
   * completes with the last try's outcome.
   */
  public CompletableFuture<Outcome> call(Launcher launcher, RunRequested run) {
    String params;
    try {
      params = params(launcher, run);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          new Failed(RunFailed.ErrorKind.PERMANENT, "params: " + e.getMessage()));
    }
    HttpRequest request;
    try {
      request = request(launcher, run, params);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          new Failed(RunFailed.ErrorKind.PERMANENT, "launcher: " + e.getMessage()));
    }
    return attempt(launcher, run, request, 1, firstBackoff);
  }

  private CompletableFuture<Outcome> attempt(
      Launcher launcher, RunRequested run, HttpRequest request, int attempt, Duration wait) {
    // The request's time-out ends the wait for the answer's head; this one bounds its body too,
    // and cancels the exchange so that its connection is closed, not left to the endpoint.
    CompletableFuture<HttpResponse<String>> exchange =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    return exchange
        .copy()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                exchange.cancel(true);
              }
            })
        .handle((response, error) -> outcome(launcher, request, response, error))
        .thenCompose(
            outcome -> {
              if (!(outcome instanceof Failed failed)
                  || failed.kind() == RunFailed.ErrorKind.PERMANENT
                  || attempt == tries) {
                return CompletableFuture.completedFuture(outcome);
              }
              LOG.warnf(
                  "launching %s failed (%s), retrying in %s", run.runId(), failed.message(), wait);
              Executor later =
                  CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS);
              return CompletableFuture.supplyAsync(() -> attempt, later)
                  .thenCompose(
                      done -> attempt(launcher, run, request, done + 1, wait.multipliedBy(2)));
            });
  }

  private static Outcome outcome(
      Launcher launcher, HttpRequest request, HttpResponse<String> response, Throwable error) {
    if (error != null) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      if (cause instanceof java.util.concurrent.TimeoutException) {
        return new Failed(
            RunFailed.ErrorKind.TRANSIENT,
            request.uri() + ": the answer timed out after " + request.timeout().orElse(null));
      }
      return new Failed(kind(FAILURES.classify(cause)), request.uri() + ": " + cause);
    }
    int status = response.statusCode();
    if (status / 100 == 2) {
      return new Started(externalId(launcher, response.body()));
    }
    if (status == 409 && launcher.type() != Launcher.Type.MAESTRO) {
      return new Started(null); // this run id was started before: the idempotency key at work
    }
    String message = request.uri() + " answered " + status + ": " + abbreviate(response.body());
    return new Failed(kind(Failures.ofStatus(status)), message);
  }

  private static RunFailed.ErrorKind kind(Failures.Kind kind) {
    return kind == Failures.Kind.RETRIABLE
        ? RunFailed.ErrorKind.TRANSIENT
        : RunFailed.ErrorKind.PERMANENT;
  }

  private HttpRequest request(Launcher launcher, RunRequested run, String params) {
    URI uri;
    String body;
    try {
      switch (launcher.type()) {
        case MAESTRO -> {
          uri =
              URI.create(
                  trim(launcher.url())
                      + "/api/v3/workflows/"
                      + launcher.workflowId()
                      + "/versions/active/actions/start");
          ObjectNode start = JSON.createObjectNode();
          start.putObject("initiator").put("type", "MANUAL");
          start.set("run_params", JSON.readTree(params));
          start.put("request_id", requestId(run).toString());
          body = JSON.writeValueAsString(start);
        }
        case AIRFLOW -> {
          uri = URI.create(trim(launcher.url()) + "/api/v2/dags/" + launcher.dagId() + "/dagRuns");
          ObjectNode start = JSON.createObjectNode();
          start.put("dag_run_id", dagRunId(run));
          start.putNull("logical_date");
          start.set("conf", JSON.readTree(params));
          body = JSON.writeValueAsString(start);
        }
        default -> {
          uri = URI.create(launcher.url());
          body = params;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", run.runId())
            .header("Floe-Run-Id", run.runId())
            .header("Floe-Trigger-Id", run.triggerId())
            .header("Floe-Attempt", Integer.toString(run.attempt()))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    launcher.headers().forEach((name, value) -> builder.header(name, secrets.resolve(value)));
    return builder.build();
  }

  /** The rendered template; without one, the run itself (Maestro: as string parameters). */
  static String params(Launcher launcher, RunRequested run) {
    if (launcher.params() != null) {
      return ParamsTemplate.parse(launcher.params()).render(run);
    }
    try {
      String runJson = JSON.writeValueAsString(run);
      if (launcher.type() == Launcher.Type.MAESTRO) {
        ObjectNode params = JSON.createObjectNode();
        params.putObject("floe_run_id").put("value", run.runId()).put("type", "STRING");
        params.putObject("floe_run").put("value", runJson).put("type", "STRING");
        return JSON.writeValueAsString(params);
      }
      return runJson;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Maestro de-duplicates by a UUID: one per run and attempt, the same on every try. */
  static UUID requestId(RunRequested run) {
    return UUID.nameUUIDFromBytes(
        (run.runId() + "/" + run.attempt()).getBytes(StandardCharsets.UTF_8));
  }

  /** Airflow's run ids are unique per DAG: the run id, and the attempt after the first. */
  static String dagRunId(RunRequested run) {
    return run.attempt() == 1 ? run.runId() : run.runId() + "-attempt-" + run.attempt();
  }

  private static String externalId(Launcher launcher, String body) {
    try {
      JsonNode answer = JSON.readTree(body);
      for (String field : new String[] {"dag_run_id", "workflow_instance_id", "run_id", "id"}) {
        if (answer != null && answer.hasNonNull(field)) {
          return answer.get(field).asText();
        }
      }
    } catch (IOException | RuntimeException notJson) {
      // an answer without an id is fine
    }
    return null;
  }

  private static String trim(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String abbreviate(String body) {
    return body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "…" : body;
  }
}
