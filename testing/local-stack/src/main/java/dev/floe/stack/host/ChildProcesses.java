package dev.floe.stack.host;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every process the local stack or a test starts (services, brokers, the REST catalog server,
 * s3proxy, Prometheus), killed when this JVM exits, however it exits: a test that fails outside its
 * try/finally, or a fork that Maven kills on its timeout, leaves nothing running to slow the tests
 * after it. Thread-safe.
 */
public final class ChildProcesses {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ChildProcesses::killAll, "floe-child-process-reaper"));
  }

  /**
   * Extra options for every child JVM, space-separated; empty unless set. The test tiers set {@code
   * -XX:TieredStopAtLevel=1} here (the root pom): a test's services, brokers and catalog server
   * mostly start, restart and idle, and the C2 compiler's work for them is CPU the 2-core machine's
   * tests wait for. Benchmarks and the local stack leave it empty, so that what they measure runs
   * as in production: the services then compile with C1 only all the same, as their images do
   * ({@link ServiceProcess#JVM_SETTINGS}), and the broker and the catalog server with HotSpot's
   * default.
   */
  public static final String JVM_OPTIONS = "test.child-jvm-options";

  private ChildProcesses() {}

  /** The command that starts a JVM like this one's, with {@link #JVM_OPTIONS}; mutable. */
  public static List<String> java() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Arrays.stream(System.getProperty(JVM_OPTIONS, "").trim().split("\\s+"))
        .filter(option -> !option.isEmpty())
        .forEach(command::add);
    return command;
  }

  /** Registers {@code process}, to be killed at exit unless it has ended by then; returns it. */
  public static Process register(Process process) {
    LIVE.add(process);
    // Forget it once it ends, so a long test that restarts services does not accumulate handles.
    process.onExit().thenRun(() -> LIVE.remove(process));
    return process;
  }

  /** Stops {@code process} (SIGTERM, then SIGKILL after 20 s) and waits for it. */
  public static void stop(Process process) {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until {@code request} answers 200, asking every {@code every}; false when {@code timeout}
   * passes first.
   *
   * @throws IllegalStateException when {@code process} exits meanwhile (naming {@code what} and
   *     {@code log}), or the wait is interrupted
   */
  public static boolean awaitHttpOk(
      Process process,
      HttpRequest request,
      Duration every,
      Duration timeout,
      String what,
      Path log) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            what + " exited with " + process.exitValue() + "; see " + log);
      }
      try {
        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return true;
        }
        Thread.sleep(every.toMillis());
      } catch (IOException e) {
        // not listening yet: ask again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
    return false;
  }

  /** SIGKILLs every registered process that is alive, and its descendants. */
  static void killAll() {
    for (Process process : LIVE) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    for (Process process : LIVE) {
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
