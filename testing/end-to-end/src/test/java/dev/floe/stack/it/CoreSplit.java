package dev.floe.stack.it;

import dev.floe.stack.LocalStack;
import dev.floe.stack.host.ServiceProcess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives Floe and the writers cores of their own for a load run ({@code
 * -Dfloe.load.split-cores=true}): the services and the broker on the machine's last core, this test
 * JVM (the writers, the jobs, the checks) on the others, as in production, where writers and jobs
 * run on their own machines. The bare commit rate is then the writers' on their cores, and the
 * pipeline's rate says whether Floe, on its own core, keeps up with them. PostgreSQL is left to the
 * scheduler. Every thread of each process is pinned ({@code taskset -a}); threads started later
 * inherit it.
 */
final class CoreSplit {
  static final String PROPERTY = "floe.load.split-cores";

  private CoreSplit() {}

  static boolean asked() {
    return Boolean.getBoolean(PROPERTY);
  }

  /** Pins the stack's processes to the last core and this JVM to the others. */
  static void apply(LocalStack stack) throws IOException, InterruptedException {
    int cores = Runtime.getRuntime().availableProcessors();
    if (cores < 2) {
      throw new IllegalStateException("splitting cores needs two or more, not " + cores);
    }
    String floe = Integer.toString(cores - 1);
    String writers = cores == 2 ? "0" : "0-" + (cores - 2);
    List<Long> pids = new ArrayList<>();
    stack.services().stream().map(ServiceProcess::pid).forEach(pids::add);
    pids.add(stack.kafka().pid());
    for (long pid : pids) {
      pin(floe, pid);
    }
    pin(writers, ProcessHandle.current().pid());
  }

  private static void pin(String cpus, long pid) throws IOException, InterruptedException {
    Process taskset =
        new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
            .redirectErrorStream(true)
            .start();
    String out = new String(taskset.getInputStream().readAllBytes());
    if (taskset.waitFor() != 0) {
      throw new IOException("taskset -c " + cpus + " " + pid + " failed: " + out);
    }
  }
}
