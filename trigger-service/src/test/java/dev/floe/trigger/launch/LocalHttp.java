package dev.floe.trigger.launch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/** The HTTP server under the launcher tests' doubles of job systems, on 127.0.0.1. */
final class LocalHttp {
  private LocalHttp() {}

  /** A started server handing every request to {@code handler}, each on a thread of its own. */
  static HttpServer start(HttpHandler handler) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newCachedThreadPool());
      server.createContext("/", handler);
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String url(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers and closes; a caller that hung up meanwhile is no failure of the double. */
  static void answer(HttpExchange http, int status, String contentType, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    http.getResponseHeaders().set("Content-Type", contentType);
    try {
      http.sendResponseHeaders(status, bytes.length);
      http.getResponseBody().write(bytes);
    } catch (IOException hungUp) {
      // the caller gave up on this request
    } finally {
      http.close();
    }
  }

  /** Stops the server and its threads. */
  static void stop(HttpServer server) {
    server.stop(0);
    if (server.getExecutor() instanceof java.util.concurrent.ExecutorService threads) {
      threads.shutdownNow();
    }
  }
}
