package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The backfill-service's REST API, as the CLI calls it. */
final class BackfillApi {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A failed call: the status and the problem details (or body) the service answered. */
  static final class Refused extends RuntimeException {
    final int status;
    final JsonNode problem;

    Refused(int status, JsonNode problem) {
      super(describe(status, problem));
      this.status = status;
      this.problem = problem;
    }

    private static String describe(int status, JsonNode problem) {
      StringBuilder s = new StringBuilder("HTTP " + status);
      if (problem.hasNonNull("title")) {
        s.append(" ").append(problem.get("title").asText());
      }
      if (problem.hasNonNull("detail")) {
        s.append(": ").append(problem.get("detail").asText());
      }
      for (JsonNode e : problem.path("errors")) {
        s.append("\n  ")
            .append(e.path("field").asText())
            .append(": ")
            .append(e.path("message").asText());
      }
      if (status == 401) {
        s.append(
            "\n  call with a bearer token: --token-file FILE, or FLOE_TOKEN in the environment");
      }
      return s.toString();
    }
  }

  /** The service could not be reached. */
  static final class Unreachable extends RuntimeException {
    Unreachable(String message) {
      super(message);
    }
  }

  private final URI base;
  private final String token;
  private volatile int lastStatus;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  BackfillApi(String base, String token) {
    this.base = URI.create(base.endsWith("/") ? base : base + "/");
    this.token = token;
  }

  /** The status code of the last answer. */
  int lastStatus() {
    return lastStatus;
  }

  JsonNode create(JsonNode request) {
    return call("POST", "backfills", request);
  }

  JsonNode get(String id) {
    return call("GET", "backfills/" + id, null);
  }

  JsonNode list() {
    return call("GET", "backfills", null);
  }

  JsonNode control(String id, String action, String reason) {
    String path = "backfills/" + id + "/" + action;
    if (reason != null) {
      path += "?reason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8);
    }
    return call("POST", path, null);
  }

  private JsonNode call(String method, String path, JsonNode body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(60))
            .header("Accept", "application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      if (body != null) {
        request
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode answer =
          response.body() == null || response.body().isBlank()
              ? JSON.createObjectNode()
              : JSON.readTree(response.body());
      lastStatus = response.statusCode();
      if (response.statusCode() >= 400) {
        throw new Refused(response.statusCode(), answer);
      }
      return answer;
    } catch (IOException e) {
      throw new Unreachable("cannot reach " + base + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted");
    }
  }
}
