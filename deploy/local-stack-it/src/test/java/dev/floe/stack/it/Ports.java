package dev.floe.stack.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Free local ports for the processes an end-to-end test starts. */
final class Ports {
  private Ports() {}

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first of {@code count} consecutive free ports: the services take one each, in order. */
  static int freeRun(int count) {
    for (int attempt = 0; attempt < 100; attempt++) {
      int first = ThreadLocalRandom.current().nextInt(20_000, 40_000);
      if (allFree(first, count)) {
        return first;
      }
    }
    throw new IllegalStateException("no run of " + count + " free ports");
  }

  private static boolean allFree(int first, int count) {
    for (int port = first; port < first + count; port++) {
      try (ServerSocket ignored = new ServerSocket(port)) {
        // free
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
