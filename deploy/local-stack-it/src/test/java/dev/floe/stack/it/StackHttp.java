package dev.floe.stack.it;

import dev.floe.stack.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

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

  /** The status of a {@code POST} of {@code body}. */
  int post(URI uri, String body) {
    return send("POST", uri, body).statusCode();
  }

  HttpResponse<String> get(URI uri) {
    return send("GET", uri, null);
  }

  HttpResponse<String> send(String method, URI uri, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
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
