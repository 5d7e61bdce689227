package dev.floe.stack;

import dev.floe.stack.host.ServiceProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * What a {@link LocalStack} started, in start order, so that it stops in the reverse order: the
 * services, which start side by side, stop side by side, each taking its own graceful shutdown time
 * at once. Thread-safe: a fault test restarts several services at once from threads of its own.
 */
final class StartedParts {
  /** Stops services side by side; daemon threads, so they never hold a JVM open. */
  private static final Executor STOPPER =
      command -> {
        Thread thread = new Thread(command, "floe-stack-stop");
        thread.setDaemon(true);
        thread.start();
      };

  private final List<AutoCloseable> started = new CopyOnWriteArrayList<>();

  void add(AutoCloseable part) {
    started.add(part);
  }

  /**
   * Puts {@code restarted} in the place of {@code old}, so that it stops when {@code old} would.
   */
  void replace(AutoCloseable old, AutoCloseable restarted) {
    started.set(started.indexOf(old), restarted);
  }

  /** Stops every part, reporting and passing over a part that fails to stop; then forgets them. */
  void closeAll() {
    List<CompletableFuture<Void>> servicesStopping = new ArrayList<>();
    for (int i = started.size() - 1; i >= 0; i--) {
      AutoCloseable part = started.get(i);
      if (part instanceof ServiceProcess) {
        servicesStopping.add(CompletableFuture.runAsync(() -> stop(part), STOPPER));
        continue;
      }
      servicesStopping.forEach(CompletableFuture::join);
      servicesStopping.clear();
      stop(part);
    }
    servicesStopping.forEach(CompletableFuture::join);
    started.clear();
  }

  private static void stop(AutoCloseable part) {
    try {
      part.close();
    } catch (Exception e) {
      System.err.println("while stopping: " + e);
    }
  }
}
