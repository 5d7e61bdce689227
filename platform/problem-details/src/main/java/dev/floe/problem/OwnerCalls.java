package dev.floe.problem;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Calls to the instance whose store holds a key, for a read that any instance answers: the one
 * asked forwards the caller's request there, with the caller's credentials, and answers with what
 * it got. An owner that cannot answer now (it moved, is restarting, or is gone) is a 503 with
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

  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private OwnerCalls() {}

  /**
   * GETs {@code path} (with its query) from the instance at {@code owner} ({@code host:port}).
   *
   * @param authorization the caller's {@code Authorization} header, passed on; may be null
   * @return the body of a 200
   * @throws ProblemException the owner's 404 as a 404; anything else, a failure to connect or no
   *     answer within 5 s included, as a 503 with {@code Retry-After}
   */
  public static String get(String owner, String path, String authorization) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + owner + path))
            .timeout(TIMEOUT)
            .header(FORWARDED, "1")
            .header("Accept", "application/json")
            .GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response;
    try {
      response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unavailable("the instance that holds it (" + owner + ") did not answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while asking " + owner);
    }
    if (response.statusCode() == 200) {
      return response.body();
    }
    if (response.statusCode() == 404) {
      throw ProblemException.notFound(path);
    }
    throw unavailable(
        "the instance that holds it (" + owner + ") answered " + response.statusCode());
  }

  /** What the owner answered to a forwarded request. */
  public record Answer(int status, String contentType, String body, String retryAfter) {}

  /**
   * Sends the caller's request on to the instance at {@code owner} ({@code host:port}), marked as
   * forwarded, and returns its answer whatever the status, to be given back as it is.
   *
   * @param pathAndQuery the request's path and query, as the caller sent them
   * @param body the request's body, or null for none
   * @throws ProblemException a 503 with {@code Retry-After} when the owner does not answer within 5
   *     s or cannot be reached
   */
  public static Answer forward(
      String method, String owner, String pathAndQuery, String authorization, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + owner + pathAndQuery))
            .timeout(TIMEOUT)
            .header(FORWARDED, "1")
            .header("Accept", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      HttpResponse<String> response =
          HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse("application/json"),
          response.body(),
          response.headers().firstValue("Retry-After").orElse(null));
    } catch (IOException e) {
      throw unavailable("the instance that holds it (" + owner + ") did not answer: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable("interrupted while asking " + owner);
    }
  }

  /** 503: ownership is moving; ask again after {@link #RETRY_AFTER_SECONDS}. */
  public static ProblemException unavailable(String why) {
    return ProblemException.unavailable(
        "not answerable now, ask again shortly: " + why, RETRY_AFTER_SECONDS);
  }
}
