package dev.floe.trigger.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.Launcher;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * The request that starts a run's job, the same on every try of an attempt: each launcher type's
 * path and body, the attempt's idempotency key, the run's headers and the launcher's own.
 */
public final class LaunchRequests {
  private static final ObjectMapper JSON = EventCodec.mapper();

  private final Duration timeout;
  private final LaunchSecrets secrets;
  private final String maestroUser;

  /**
   * @param maestroUser Maestro's caller unless a launcher names its own
   */
  LaunchRequests(Duration timeout, LaunchSecrets secrets, String maestroUser) {
    this.timeout = timeout;
    this.secrets = secrets;
    this.maestroUser = maestroUser;
  }

  /**
   * The request of {@code run}'s attempt.
   *
   * @throws IllegalArgumentException when the params do not render as the launcher needs them, or a
   *     header names a secret that is not configured
   */
  HttpRequest request(Launcher launcher, RunRequested run) {
    String params;
    try {
      params = params(launcher, run);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("params: " + e.getMessage(), e);
    }
    String shape = shapeProblem(launcher.type(), params);
    if (shape != null) {
      throw new IllegalArgumentException("params: " + shape);
    }
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
            .header("Idempotency-Key", structuredString(attemptKey(run)))
            .header("Floe-Run-Id", run.runId())
            .header("Floe-Trigger-Id", run.triggerId())
            .header("Floe-Attempt", Integer.toString(run.attempt()))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    try {
      return launcherHeaders(builder, launcher).build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("launcher: " + e.getMessage(), e);
    }
  }

  /**
   * {@code builder} with the launcher's own headers, their secrets resolved, and for Maestro its
   * caller: every request to the launcher's system carries them, Maestro's look-ups included.
   *
   * @throws IllegalArgumentException naming a secret that is not configured
   */
  HttpRequest.Builder launcherHeaders(HttpRequest.Builder builder, Launcher launcher) {
    launcher.headers().forEach((name, value) -> builder.header(name, secrets.resolve(value)));
    if (launcher.type() == Launcher.Type.MAESTRO) {
      builder.setHeader("user", launcher.user() != null ? launcher.user() : maestroUser);
    }
    return builder;
  }

  /**
   * Why rendered params do not fit the launcher's API, or null: Airflow's {@code conf} is a JSON
   * object; Maestro's {@code run_params} an object of parameters, each with a {@code type} and
   * exactly one of {@code value} or {@code expression}, as Maestro checks them.
   */
  public static String shapeProblem(Launcher.Type type, String rendered) {
    if (type != Launcher.Type.AIRFLOW && type != Launcher.Type.MAESTRO) {
      return null;
    }
    JsonNode params;
    try {
      params = JSON.readTree(rendered);
    } catch (IOException e) {
      return "does not render to JSON: " + e.getMessage();
    }
    if (!params.isObject()) {
      return "must render a JSON object for "
          + (type == Launcher.Type.AIRFLOW ? "Airflow's conf" : "Maestro's run_params")
          + ", not "
          + rendered;
    }
    if (type == Launcher.Type.MAESTRO) {
      for (var it = params.fields(); it.hasNext(); ) {
        var param = it.next();
        JsonNode p = param.getValue();
        if (!p.isObject() || !p.path("type").isTextual() || p.has("value") == p.has("expression")) {
          return "renders Maestro's parameter '"
              + param.getKey()
              + "' without a type and exactly one of value or expression";
        }
      }
    }
    return null;
  }

  /**
   * The attempt's idempotency key: the run id for the first attempt, {@code <run id>-attempt-<n>}
   * after. A try repeated within an attempt sends the same key and body.
   */
  static String attemptKey(RunRequested run) {
    return run.attempt() == 1 ? run.runId() : run.runId() + "-attempt-" + run.attempt();
  }

  /**
   * {@code value} as a Structured Field String (RFC 9651, section 3.3.3), which the Idempotency-Key
   * draft makes the header's value: quoted, with quotes and backslashes escaped.
   *
   * @throws IllegalArgumentException for a character outside printable ASCII
   */
  static String structuredString(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (char c : value.toCharArray()) {
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException("an idempotency key holds printable ASCII only");
      }
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.append('"').toString();
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

  /** Airflow's run ids are unique per DAG: the attempt's key. */
  static String dagRunId(RunRequested run) {
    return attemptKey(run);
  }

  static String trim(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
