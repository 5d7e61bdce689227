package dev.floe.stack.it;

import dev.floe.stack.LocalStack;
import dev.floe.stack.host.Ports;
import dev.floe.stack.test.FloeStack;
import java.nio.file.Path;
import java.time.Duration;

/** The local stack as the end-to-end tests start it, from the repository's packaged apps. */
final class TestStacks {
  private TestStacks() {}

  /** The repository root, as the build passes it. */
  static Path repo() {
    return Path.of(System.getProperty("floe.repo", "../..")).toAbsolutePath().normalize();
  }

  /**
   * Free ports, no demo writer and no Prometheus, working under {@code target/floe-test/<name>}.
   */
  static LocalStack.Options options(String name) {
    return new LocalStack.Options(
        repo(),
        FloeStack.workDir(name),
        Ports.freePort(),
        Ports.freePort(),
        Ports.freeRun(LocalStack.SERVICES.size()),
        Duration.ofSeconds(5),
        false);
  }
}
