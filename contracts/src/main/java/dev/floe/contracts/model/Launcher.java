package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;

/**
 * What starts a trigger's job. Every launcher passes the run id as its idempotency key.
 *
 * @param type webhook, maestro, airflow or kafka
 * @param url the webhook's URL, or the base URL of Maestro or Airflow
 * @param workflowId Maestro's workflow id
 * @param dagId Airflow's DAG id
 * @param topic the Kafka command topic
 * @param params a Qute template of the run parameters, JSON once rendered; the run is {@code run}
 * @param headers extra HTTP headers, such as an authorization
 */
public record Launcher(
    @JsonProperty(required = true) Type type,
    String url,
    String workflowId,
    String dagId,
    String topic,
    String params,
    Map<String, String> headers) {

  public Launcher {
    Objects.requireNonNull(type, "type");
    headers = headers == null ? Map.of() : Map.copyOf(headers);
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
