package dev.floe.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Calls sent on to the owner: passed on as made, answered as given, or a 503 to ask again. */
@Tag("unit")
class OwnerCallsTest {

  @Test
  void theCallGoesOnMarkedWithTheCallersCredentialsAndItsAnswerComesBackAsGiven() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer owner = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    owner.createContext(
        "/",
        exchange -> {
          seen.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI()
                  + " "
                  + exchange.getRequestHeaders().getFirst(OwnerCalls.FORWARDED)
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization")
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          byte[] body = "{\"state\": \"paused\"}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Retry-After", "7");
          exchange.sendResponseHeaders(409, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    owner.start();
    try {
      OwnerCalls.Answer answer =
          OwnerCalls.forward(
              "POST",
              OwnerCalls.address("127.0.0.1", owner.getAddress().getPort()),
              "/backfills/bf-1/pause?reason=x",
              "Bearer t",
              "{}");
      assertThat(answer.status()).isEqualTo(409);
      assertThat(answer.body()).isEqualTo("{\"state\": \"paused\"}");
      assertThat(answer.header("retry-after")).isEqualTo("7");
      assertThat(seen).containsExactly("POST /backfills/bf-1/pause?reason=x 1 Bearer t {}");
    } finally {
      owner.stop(0);
    }
  }

  @Test
  void anOwnerThatDoesNotAnswerIsA503ToAskAgain() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    assertThatThrownBy(
            () ->
                OwnerCalls.forward("GET", "127.0.0.1:" + closed, "/triggers/t/status", null, null))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.retryAfterSeconds()).isEqualTo(OwnerCalls.RETRY_AFTER_SECONDS);
            });
    // An address no URL can hold is the same: not a 500.
    assertThatThrownBy(() -> OwnerCalls.forward("GET", "unavailable:-1", "/x", null, null))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.status()).isEqualTo(503));
  }

  @Test
  void anIpv6HostIsBracketed() {
    assertThat(OwnerCalls.address("fd00::1", 8080)).isEqualTo("[fd00::1]:8080");
    assertThat(OwnerCalls.address("10.0.0.7", 8080)).isEqualTo("10.0.0.7:8080");
  }
}
