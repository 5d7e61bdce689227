package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;

/**
 * What starts a trigger's job. Every launcher passes an idempotency key named by the run id and its
 * attempt.
 *
 * @param type webhook, maestro, airflow or kafka
 * @param url the webhook's URL, or the base URL of Maestro or Airflow
 * @param workflowId Maestro's workflow id
 * @param dagId Airflow's DAG id
 * @param topic the Kafka command topic
 * @param params a Qute template of the run parameters, JSON once rendered; the run is {@code run}
 * @param headers extra HTTP headers, such as an authorization
 * @param user Maestro's caller, sent in its {@code user} header; null for the service's default
 * @param login Airflow 3's credentials, exchanged at {@code /auth/token} for the JWTs its API
 *     takes; null when a static header authenticates
 */
public record Launcher(
    @JsonProperty(required = true) Type type,
    String url,
    String workflowId,
    String dagId,
    String topic,
    String params,
    Map<String, String> headers,
    @JsonInclude(JsonInclude.Include.NON_NULL) String user,
    @JsonInclude(JsonInclude.Include.NON_NULL) Login login) {

  public Launcher {
    Objects.requireNonNull(type, "type");
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }

  /** A launcher with neither a Maestro caller nor Airflow credentials of its own. */
  public Launcher(
      Type type,
      String url,
      String workflowId,
      String dagId,
      String topic,
      String params,
      Map<String, String> headers) {
    this(type, url, workflowId, dagId, topic, params, headers, null, null);
  }

  /**
   * A user name and password for a token endpoint. Both may name secrets as {@code
   * ${secret:<name>}}; the password must, so that it is in no event.
   */
  public record Login(
      @JsonProperty(required = true) String username,
      @JsonProperty(required = true) String password) {
    public Login {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
    }
  }

  /** The JSON names are never renamed. */
  public enum Type implements WireNamed {
    WEBHOOK,
    MAESTRO,
    AIRFLOW,
    KAFKA;

    @JsonCreator
    public static Type fromWireName(String name) {
      return WireNamed.fromWireName(Type.class, "launcher", name);
    }
  }
}
