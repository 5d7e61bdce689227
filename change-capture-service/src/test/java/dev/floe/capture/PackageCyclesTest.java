package dev.floe.capture;

import dev.floe.stack.test.PackageCycles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The service's packages, and those of the libraries it is built on (all of them but the test kit),
 * depend on each other in one direction only.
 */
@Tag("unit")
class PackageCyclesTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "dev.floe.capture",
        "dev.floe.contracts",
        "dev.floe.catalog",
        "dev.floe.icdc",
        "dev.floe.metrics",
        "dev.floe.broker",
        "dev.floe.problem",
        "dev.floe.auth"
      })
  void shouldHaveNoPackageCycle(String root) {
    PackageCycles.assertNone(root);
  }
}
