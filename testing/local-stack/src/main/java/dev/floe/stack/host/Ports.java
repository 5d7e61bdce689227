package dev.floe.stack.host;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free local ports for the processes a stack or a test starts.
 *
 * <ul>
 *   <li>They are taken below the kernel's ephemeral range: a port from that range that is free when
 *       checked can be handed to any outgoing connection (a Kafka client, an HTTP call) before the
 *       process that was meant to listen on it starts.
 *   <li>A port is handed out once per JVM. A port is only checked, not held, until its process
 *       binds it, so without this a stack's broker port, chosen first, could fall inside the run of
 *       service ports chosen next, and the service started second would fail to bind it.
 * </ul>
 */
public final class Ports {
  private static final int LOWEST = 10_000;
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private Ports() {}

  public static int freePort() {
    return freeRun(1);
  }

  /** The first of {@code count} consecutive free ports: the services take one each, in order. */
  public static synchronized int freeRun(int count) {
    int highest = ephemeralLow() - count;
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int first = ThreadLocalRandom.current().nextInt(LOWEST, highest);
      if (allFree(first, count)) {
        for (int port = first; port < first + count; port++) {
          HANDED_OUT.add(port);
        }
        return first;
      }
    }
    throw new IllegalStateException("no run of " + count + " free ports");
  }

  /** The lowest port the kernel hands to outgoing connections (32768 when it cannot be read). */
  private static int ephemeralLow() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Math.max(LOWEST + 1_000, Integer.parseInt(range.split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  private static boolean allFree(int first, int count) {
    for (int port = first; port < first + count; port++) {
      if (HANDED_OUT.contains(port)) {
        return false;
      }
      try (ServerSocket ignored = new ServerSocket(port)) {
        // free
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
