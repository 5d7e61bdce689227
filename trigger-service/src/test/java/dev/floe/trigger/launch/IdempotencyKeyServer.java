package dev.floe.trigger.launch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A job endpoint that follows the IETF draft "The Idempotency-Key HTTP Header Field"
 * (draft-ietf-httpapi-idempotency-key-header, section 2): the key is a Structured Field String (RFC
 * 9651, quoted), a request without a valid one is refused (400), a key reused with another payload
 * is refused (422), a repeat while the first request under its key is still being processed is
 * answered 409, and a repeat after it completed gets the first answer again. Errors are problem
 * details. What the job does with a new request, and when it answers, is the test's.
 */
final class IdempotencyKeyServer implements AutoCloseable {
  /** An answer. */
  record Answer(int status, String body) {}

  /** What the server answered to a request under a key. */
  record Exchange(String key, int status, boolean replayed) {}

  private record Entry(String fingerprint, CompletableFuture<Answer> answer) {}

  private final HttpServer server;
  private final Map<String, Entry> keys = new ConcurrentHashMap<>();
  private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
  private final Function<String, CompletableFuture<Answer>> job;

  /**
   * @param job what the job answers to a new request's body, when it has processed it
   */
  IdempotencyKeyServer(Function<String, CompletableFuture<Answer>> job) {
    this.job = job;
    this.server = LocalHttp.start(this::handle);
  }

  URI url() {
    return URI.create(LocalHttp.url(server) + "/jobs");
  }

  List<Exchange> exchanges() {
    return exchanges;
  }

  private void handle(HttpExchange http) throws IOException {
    String body = new String(http.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String field = http.getRequestHeaders().getFirst("Idempotency-Key");
    if (field == null) {
      problem(http, null, 400, "Idempotency-Key is missing");
      return;
    }
    String key = structuredString(field.trim());
    if (key == null) {
      problem(http, null, 400, "Idempotency-Key is not a Structured Field String: " + field);
      return;
    }
    Entry entry = new Entry(fingerprint(body), new CompletableFuture<>());
    Entry first = keys.putIfAbsent(key, entry);
    if (first == null) {
      job.apply(body).whenComplete((a, e) -> entry.answer().complete(a));
      send(http, key, entry.answer().join(), false);
    } else if (!first.fingerprint().equals(entry.fingerprint())) {
      problem(http, key, 422, "Idempotency-Key is already used");
    } else if (!first.answer().isDone()) {
      problem(http, key, 409, "A request is outstanding for this Idempotency-Key");
    } else {
      send(http, key, first.answer().join(), true);
    }
  }

  /** The value of an RFC 9651 sf-string, or null when {@code field} is none. */
  static String structuredString(String field) {
    if (field.length() < 2 || field.charAt(0) != '"' || field.charAt(field.length() - 1) != '"') {
      return null;
    }
    StringBuilder value = new StringBuilder();
    for (int i = 1; i < field.length() - 1; i++) {
      char c = field.charAt(i);
      if (c == '\\') {
        if (++i == field.length() - 1) {
          return null;
        }
        c = field.charAt(i);
        if (c != '"' && c != '\\') {
          return null;
        }
      } else if (c == '"' || c < 0x20 || c > 0x7e) {
        return null;
      }
      value.append(c);
    }
    return value.toString();
  }

  private void problem(HttpExchange http, String key, int status, String title) throws IOException {
    String body =
        "{\"type\": \"https://developer.example.com/idempotency\", \"title\": \""
            + title.replace("\"", "'")
            + "\", \"status\": "
            + status
            + "}";
    exchanges.add(new Exchange(key, status, false));
    write(http, status, "application/problem+json", body);
  }

  private void send(HttpExchange http, String key, Answer answer, boolean replayed)
      throws IOException {
    exchanges.add(new Exchange(key, answer.status(), replayed));
    write(http, answer.status(), "application/json", answer.body());
  }

  private static void write(HttpExchange http, int status, String type, String body) {
    LocalHttp.answer(http, status, type, body);
  }

  private static String fingerprint(String body) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    LocalHttp.stop(server);
  }
}
