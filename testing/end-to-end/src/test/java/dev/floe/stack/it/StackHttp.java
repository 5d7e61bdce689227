package dev.floe.stack.it;

import static org.awaitility.Awaitility.await;

import dev.floe.stack.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** The stack's REST APIs, called as one caller: JSON bodies, with the caller's bearer token. */
final class StackHttp {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String token;

  private StackHttp(String token) {
    this.token = token;
  }

  /** A caller with {@code role}, from the stack's development issuer. */
  static StackHttp as(LocalStack stack, String role) {
    return new StackHttp(stack.token(role));
  }

  /** A caller presenting {@code token}. */
  static StackHttp withToken(String token) {
    return new StackHttp(token);
  }

  /** A caller without a token. */
  static StackHttp anonymous() {
    return new StackHttp(null);
  }

  /** The bearer token this caller presents. */
  String token() {
    return token;
  }

  /** The status of a {@code POST} of {@code body}. */
  int post(URI uri, String body) {
    return send("POST", uri, body).statusCode();
  }

  /**
   * Reports a run's status as a job runner does: again until the trigger-service accepts it (202),
   * for up to two minutes, since a busy service may time out or a restarting one refuse a call.
   */
  void report(URI triggers, String runId, String body) {
    URI uri = triggers.resolve("/runs/" + runId + "/status");
    await("status report of " + runId)
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(() -> post(uri, body) == 202);
  }

  HttpResponse<String> get(URI uri) {
    return send("GET", uri, null);
  }

  /**
   * The values of {@code service}'s metric series {@code name} whose labels include {@code label}
   * (such as {@code trigger="daily"}), from its Prometheus endpoint.
   */
  List<String> metric(URI service, String name, String label) {
    return get(service.resolve("/q/metrics"))
        .body()
        .lines()
        .filter(l -> l.startsWith(name + "{") && l.contains(label))
        .map(l -> l.substring(l.lastIndexOf(' ') + 1))
        .toList();
  }

  HttpResponse<String> send(String method, URI uri, String body) {
    return send(method, uri, body, Duration.ofSeconds(30));
  }

  /** A call that may take up to {@code timeout}, such as planning a large backfill. */
  HttpResponse<String> send(String method, URI uri, String body, Duration timeout) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
