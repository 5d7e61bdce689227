package dev.floe.stack.it;

import dev.floe.stack.LocalStack;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One local stack for every end-to-end test of this JVM that only needs a running stack (the
 * pipeline and backfill tests): starting and stopping the broker, the catalog and the four services
 * costs about a minute on two cores, once instead of once per class. Tests that need a stack of
 * their own shape (the run command's demo writer, S3 and Prometheus, SASL, faults that restart the
 * broker or stop the catalog) start their own. The REST fuzzer shares it: it compares its own items
 * whole and the other tests' by their keys alone, as their statuses move by themselves.
 *
 * <p>Tests sharing it use names of their own (tables, captures, triggers, backfills) and leave it
 * running: a test that kills a service restarts it before it ends. Its processes are killed when
 * the JVM exits. Thread-safe.
 */
final class SharedStack {
  private static LocalStack stack;
  private static Map<String, String> metricsAtStart;

  private SharedStack() {}

  /** Each service's {@code /q/metrics} as it answered once the shared stack had started. */
  static synchronized Map<String, String> metricsAtStart() {
    get();
    return metricsAtStart;
  }

  /** The JVM's shared stack, started on first use. */
  static synchronized LocalStack get() {
    if (stack == null) {
      // Never closed: its processes are killed when the JVM exits (ChildProcesses).
      stack = LocalStack.start(TestStacks.options("shared"));
      // Before any test defines anything: what an operator's Prometheus sees first.
      Map<String, String> scraped = new LinkedHashMap<>();
      for (String service : LocalStack.SERVICES) {
        scraped.put(
            service,
            StackHttp.anonymous().get(stack.service(service).url().resolve("/q/metrics")).body());
      }
      metricsAtStart = Map.copyOf(scraped);
    }
    for (String service : LocalStack.SERVICES) {
      if (!stack.service(service).isAlive()) {
        // A test that failed between killing a service and restarting it leaves it down.
        stack.restart(service);
      }
    }
    return stack;
  }
}
