package dev.floe.problem;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Calls to the instance whose store holds a key, for a call that any instance answers: the one
 * asked sends the caller's request on to that one, with the caller's credentials, and answers with
 * what it got. An owner that cannot answer now (it moved, is restarting, or is gone) is a 503 with
 * {@code Retry-After}, never a wrong or empty answer. A forwarded call is marked ({@link
 * #FORWARDED}), and the owner answers it from its own store or not at all, so no call goes round.
 *
 * <p>Thread-safe.
 */
public final class OwnerCalls {
  /** The header that marks a forwarded call: answer from this instance's store only. */
  public static final String FORWARDED = "Floe-Forwarded";

  /** How long a caller should wait before asking again while ownership moves. */
  public static final int RETRY_AFTER_SECONDS = 2;

  /** A read: the owner answers from its store at once. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

  /**
   * A command: the owner writes it and waits for its decision core to apply it, 10 s at most for
   * each, so the answer it gives (200, or 202 once it stopped waiting) comes within this.
   */
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private OwnerCalls() {}

  /** What the owner answered to a forwarded request. */
  public record Answer(int status, String body, Map<String, List<String>> headers) {
    /** The first value of a header, or null. */
    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  /**
   * Sends the caller's request on to the instance at {@code owner} ({@code host:port}), marked as
   * forwarded, and returns its answer whatever the status.
   *
   * @param pathAndQuery the request's path and query, as the caller sent them
   * @param authorization the caller's {@code Authorization} header, passed on; may be null
   * @param body the request's JSON body, or null for none
   * @throws ProblemException a 503 with {@code Retry-After} when the owner cannot be reached or
   *     gives no answer in time (5 s for a {@code GET}, 30 s for a command)
   */
  public static Answer forward(
      String method, String owner, String pathAndQuery, String authorization, String body) {
    HttpRequest.Builder request;
    try {
      request =
          HttpRequest.newBuilder(URI.create("http://" + owner + pathAndQuery))
              .timeout(method.equals("GET") ? READ_TIMEOUT : COMMAND_TIMEOUT)
              .header(FORWARDED, "1")
              .header("Accept", "application/json")
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body));
    } catch (IllegalArgumentException e) {
      throw unavailable("the instance that holds it gives no usable address (" + owner + ")");
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      HttpResponse<String> response =
          HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), response.headers().map());
    } catch (IOException e) {
      throw unavailable("the instance that holds it (" + owner + ") did not answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while asking " + owner);
    }
  }

  /**
   * Throws the owner's refusal of the caller's credentials (401, 403) as this instance's own: the
   * caller must not ask again with the same token.
   */
  public static void requireCredentialsAccepted(Answer answer) {
    if (answer.status() == 401 || answer.status() == 403) {
      boolean unauthenticated = answer.status() == 401;
      throw new ProblemException(
          answer.status(),
          unauthenticated ? "unauthenticated" : "forbidden",
          unauthenticated ? "Unauthenticated" : "Forbidden",
          "the instance that holds it refused the caller's credentials",
          List.of());
    }
  }

  /** {@code host:port} for a URL: an IPv6 host in brackets. */
  public static String address(String host, int port) {
    return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  /** 503: ownership is moving; ask again after {@link #RETRY_AFTER_SECONDS}. */
  public static ProblemException unavailable(String why) {
    return ProblemException.unavailable(
        "not answerable now, ask again shortly: " + why, RETRY_AFTER_SECONDS);
  }
}
