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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A job endpoint for tests, on 127.0.0.1: records every call it is sent, answers as the test's
 * handler decides, then runs what the test does after answering (report the run, read its states),
 * as a real job would once it has accepted a run. Thread-safe; closed by the test.
 */
public final class JobServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One call: its path, headers (names as sent) and body, JSON when it parses. */
  public record Call(String path, Map<String, List<String>> headers, String body) {
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
    server.createContext(path, exchange -> answer(exchange, handler, after));
    return this;
  }

  private void answer(HttpExchange exchange, Handler handler, Consumer<Call> after)
      throws IOException {
    Call call =
        new Call(
            exchange.getRequestURI().getPath(),
            Map.copyOf(exchange.getRequestHeaders()),
            new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    calls.add(call);
    Reply reply = handler.handle(call);
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
    exchange.close();
    after.accept(call);
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
