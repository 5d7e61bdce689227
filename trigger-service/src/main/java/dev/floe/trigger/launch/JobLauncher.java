package dev.floe.trigger.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.broker.Failures;
import dev.floe.catalog.CatalogFailures;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.Launcher;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Starts a run's job under an idempotency key named by the run and its attempt ({@link
 * LaunchRequests#attemptKey}): a webhook gets it in an {@code Idempotency-Key} header, as the IETF
 * draft's Structured Field string, Maestro a {@code request_id} (a UUID named by the run id and
 * attempt), Airflow the {@code dag_run_id}, a Kafka command topic a header. A try repeated within
 * an attempt sends the identical request; each attempt is another request under another key, so a
 * server that refuses a key reused with another body (422) never sees one.
 *
 * <p>Transient failures (5xx, 429, 408, connection errors, timeouts) are retried here with a
 * doubling back-off; another 4xx fails at once. A 409 means what the target's API says: Airflow's,
 * that the DAG run exists (started); a webhook's, as the draft has it, that the request under this
 * key is still being processed (retried like a transient failure); Maestro has none for a start,
 * and answers a repeated request id in its body ({@link MaestroStarts}). Airflow 3's JWTs are
 * fetched with the launcher's login and renewed before they expire, and once more when a call is
 * answered 401 or 403 ({@link AirflowTokens}). Every exchange is bounded by the launch timeout.
 */
public final class JobLauncher {
  private static final Logger LOG = Logger.getLogger(JobLauncher.class);

  /** A network failure may pass on the next try, as the catalog's do. */
  private static final Failures FAILURES = Failures.of(CatalogFailures::isTransient);

  private static final ObjectMapper JSON = EventCodec.mapper();

  /** Maestro's caller when neither the launcher nor the service names one. */
  public static final String DEFAULT_MAESTRO_USER = "floe";

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
  private final LaunchRequests requests;
  private final AirflowTokens airflowTokens;
  private final MaestroStarts maestroStarts;

  /** A launcher calling Maestro as {@value #DEFAULT_MAESTRO_USER}. */
  public JobLauncher(Duration timeout, int tries, Duration firstBackoff, LaunchSecrets secrets) {
    this(timeout, tries, firstBackoff, secrets, DEFAULT_MAESTRO_USER, Clock.systemUTC());
  }

  /**
   * @param tries attempts of one launch for transient failures, the first included
   * @param firstBackoff the wait before the second; it doubles
   * @param secrets what the launchers' headers and logins refer to
   * @param maestroUser Maestro's caller ({@code user} header) unless a launcher names its own
   * @param clock when Airflow's tokens expire
   */
  public JobLauncher(
      Duration timeout,
      int tries,
      Duration firstBackoff,
      LaunchSecrets secrets,
      String maestroUser,
      Clock clock) {
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.timeout = timeout;
    this.tries = tries;
    this.firstBackoff = firstBackoff;
    this.requests = new LaunchRequests(timeout, secrets, maestroUser);
    this.airflowTokens = new AirflowTokens(http, timeout, secrets, clock);
    this.maestroStarts = new MaestroStarts(http, timeout, requests);
  }

  /**
   * True for a launcher that writes a command record: it launches inside the caller's transaction.
   */
  public static boolean writesCommand(Launcher launcher) {
    return launcher.type() == Launcher.Type.KAFKA;
  }

  /**
   * Sends a Kafka launcher's command record with {@code commands}, so that it commits with the
   * caller's transaction. Its key is the run id, so that a run's attempts stay in order; its {@code
   * Idempotency-Key} header is the attempt's key, unquoted (a Kafka header is no HTTP field).
   */
  public Outcome command(Launcher launcher, RunRequested run, Producer<String, byte[]> commands) {
    String params;
    try {
      params = LaunchRequests.params(launcher, run);
    } catch (IllegalArgumentException e) {
      return new Failed(RunFailed.ErrorKind.PERMANENT, "params: " + e.getMessage());
    }
    ProducerRecord<String, byte[]> command =
        new ProducerRecord<>(
            launcher.topic(), run.runId(), params.getBytes(StandardCharsets.UTF_8));
    command
        .headers()
        .add("Idempotency-Key", LaunchRequests.attemptKey(run).getBytes(StandardCharsets.UTF_8));
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
    HttpRequest request;
    try {
      request = requests.request(launcher, run);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          new Failed(RunFailed.ErrorKind.PERMANENT, e.getMessage()));
    }
    return attempt(launcher, run, request, 1, firstBackoff);
  }

  private CompletableFuture<Outcome> attempt(
      Launcher launcher, RunRequested run, HttpRequest request, int attempt, Duration wait) {
    return send(launcher, request)
        .handle((response, error) -> answered(launcher, run, request, response, error))
        .thenCompose(outcome -> outcome)
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

  /**
   * One try: the request, with Airflow's token when the launcher logs in; a 401 or 403 to a token
   * renews it and sends once more.
   */
  private CompletableFuture<HttpResponse<String>> send(Launcher launcher, HttpRequest request) {
    if (launcher.type() != Launcher.Type.AIRFLOW || launcher.login() == null) {
      return exchange(request);
    }
    return airflowTokens
        .token(launcher)
        .thenCompose(
            token ->
                exchange(bearer(request, token))
                    .thenCompose(
                        response -> {
                          // 401: expired; 403: a signature Airflow no longer takes (it
                          // restarted with another secret). Either way, one new token.
                          if (response.statusCode() != 401 && response.statusCode() != 403) {
                            return CompletableFuture.completedFuture(response);
                          }
                          airflowTokens.refused(launcher, token);
                          return airflowTokens
                              .token(launcher)
                              .thenCompose(renewed -> exchange(bearer(request, renewed)));
                        }));
  }

  private static HttpRequest bearer(HttpRequest request, String token) {
    return HttpRequest.newBuilder(request, (name, value) -> !name.equalsIgnoreCase("Authorization"))
        .header("Authorization", "Bearer " + token)
        .build();
  }

  private CompletableFuture<HttpResponse<String>> exchange(HttpRequest request) {
    return Exchanges.send(http, request, timeout);
  }

  private CompletableFuture<Outcome> answered(
      Launcher launcher,
      RunRequested run,
      HttpRequest request,
      HttpResponse<String> response,
      Throwable error) {
    if (error != null) {
      return CompletableFuture.completedFuture(failure(request, error));
    }
    int status = response.statusCode();
    if (status / 100 == 2) {
      return launcher.type() == Launcher.Type.MAESTRO
          ? maestroStarts.outcome(launcher, LaunchRequests.requestId(run), response.body())
          : CompletableFuture.completedFuture(new Started(externalId(response.body())));
    }
    Outcome outcome;
    if (status == 409 && launcher.type() == Launcher.Type.AIRFLOW) {
      outcome = new Started(LaunchRequests.dagRunId(run)); // Airflow: a DAG run with this id exists
    } else if (status == 409 && launcher.type() == Launcher.Type.WEBHOOK) {
      outcome =
          new Failed(
              RunFailed.ErrorKind.TRANSIENT,
              request.uri()
                  + " is still processing the request under this Idempotency-Key (409): "
                  + abbreviate(response.body()));
    } else {
      String message = request.uri() + " answered " + status + ": " + abbreviate(response.body());
      outcome = new Failed(kind(Failures.ofStatus(status)), message);
    }
    return CompletableFuture.completedFuture(outcome);
  }

  private static Outcome failure(HttpRequest request, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof AirflowTokens.LoginFailed login) {
      return new Failed(login.kind, login.getMessage());
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new Failed(
          RunFailed.ErrorKind.TRANSIENT,
          request.uri() + ": the answer timed out after " + request.timeout().orElse(null));
    }
    return new Failed(kind(FAILURES.classify(cause)), request.uri() + ": " + cause);
  }

  private static RunFailed.ErrorKind kind(Failures.Kind kind) {
    return kind == Failures.Kind.RETRIABLE
        ? RunFailed.ErrorKind.TRANSIENT
        : RunFailed.ErrorKind.PERMANENT;
  }

  private static String externalId(String body) {
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

  private static String abbreviate(String body) {
    return body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "…" : body;
  }
}
