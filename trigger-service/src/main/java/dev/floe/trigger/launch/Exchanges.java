package dev.floe.trigger.launch;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The launchers' HTTP exchanges, each bounded in time as a whole. */
final class Exchanges {
  private Exchanges() {}

  /**
   * One exchange, failing with a {@link java.util.concurrent.TimeoutException} after {@code
   * timeout}. The request's own time-out ends the wait for the answer's head; this one bounds its
   * body too, and cancels the exchange so that its connection is closed, not left to the endpoint.
   */
  static CompletableFuture<HttpResponse<String>> send(
      HttpClient http, HttpRequest request, Duration timeout) {
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
            });
  }
}
