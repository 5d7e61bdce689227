package dev.floe.stack.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A job endpoint for tests, on 127.0.0.1: records every call it is sent, answers as the test's
 * handler decides, then runs what the test does after answering (report the run, read its states),
 * as a real job would once it has accepted a run. Thread-safe; closed by the test.
 */
public final class JobServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One call: its path, headers (names as sent) and body, JSON when it parses; the query of its URL
   * (decoded, null when none) and when it came.
   */
  public record Call(
      String path, Map<String, List<String>> headers, String body, String query, Instant at) {
    /** The body as JSON; a JSON null node when it is not JSON. */
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return JSON.nullNode();
      }
    }

    /** The {@code runId} of a run sent as its JSON, the default of Floe's webhook launcher. */
    public String runId() {
      return json().path("runId").asText(null);
    }

    /** The first value of header {@code name}, any case; null when absent. */
    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  /** An answer: a status and an optional body (JSON when it starts with '{' or '['). */
  public record Reply(int status, String body) {
    public static Reply of(int status) {
      return new Reply(status, null);
    }
  }

  /** Decides the answer to a call. */
  @FunctionalInterface
  public interface Handler {
    Reply handle(Call call);
  }

  /** Decides the answer to a call later: the call stays open until the answer completes. */
  @FunctionalInterface
  public interface LateHandler {
    CompletionStage<Reply> handle(Call call);
  }

  private final HttpServer server;
  private final ExecutorService threads;
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  private JobServer(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  /** Starts a server answering on {@code threads} threads; add paths with {@link #on}. */
  public static JobServer start(int threads) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      server.setExecutor(pool);
      server.start();
      return new JobServer(server, pool);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Answers calls to {@code path} (and below it) with {@code handler}. */
  public JobServer on(String path, Handler handler) {
    return on(path, handler, call -> {});
  }

  /** Answers calls to {@code path} with {@code handler}, then runs {@code after} on the call. */
  public JobServer on(String path, Handler handler, Consumer<Call> after) {
    return on(path, handler, (call, reply) -> after.accept(call));
  }

  /**
   * Answers calls to {@code path} with {@code handler}, then runs {@code after} on the call and the
   * answer it got.
   */
  public JobServer on(String path, Handler handler, BiConsumer<Call, Reply> after) {
    server.createContext(
        path,
        exchange -> {
          Call call = record(exchange);
          Reply reply = handler.handle(call);
          send(exchange, reply);
          after.accept(call, reply);
        });
    return this;
  }

  /**
   * Answers calls to {@code path} when {@code handler}'s answer completes, as a job that answers
   * late does; no thread of this server waits meanwhile. Then runs {@code after}, on the thread
   * that completed the answer, also when the caller hung up before it (the job has the run by
   * then). An answer that completes exceptionally closes the call unanswered.
   */
  public JobServer onLate(String path, LateHandler handler, BiConsumer<Call, Reply> after) {
    server.createContext(
        path,
        exchange -> {
          Call call = record(exchange);
          handler
              .handle(call)
              .whenComplete(
                  (reply, failed) -> {
                    if (failed != null) {
                      exchange.close();
                      return;
                    }
                    try {
                      send(exchange, reply);
                    } catch (IOException hungUp) {
                      // the caller is gone; what the job does with the run does not depend on it
                    }
                    after.accept(call, reply);
                  });
        });
    return this;
  }

  private Call record(HttpExchange exchange) throws IOException {
    Call call =
        new Call(
            exchange.getRequestURI().getPath(),
            Map.copyOf(exchange.getRequestHeaders()),
            new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
            exchange.getRequestURI().getQuery(),
            Instant.now());
    calls.add(call);
    return call;
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    try {
      if (reply.body() == null) {
        exchange.sendResponseHeaders(reply.status(), -1);
      } else {
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        String trimmed = reply.body().stripLeading();
        exchange
            .getResponseHeaders()
            .set(
                "Content-Type",
                trimmed.startsWith("{") || trimmed.startsWith("[")
                    ? "application/json"
                    : "text/plain");
        exchange.sendResponseHeaders(reply.status(), body.length);
        exchange.getResponseBody().write(body);
      }
    } finally {
      exchange.close();
    }
  }

  /** The URL of {@code path} on this server. */
  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  /** Every call so far, in the order they came. */
  public List<Call> calls() {
    return List.copyOf(calls);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
