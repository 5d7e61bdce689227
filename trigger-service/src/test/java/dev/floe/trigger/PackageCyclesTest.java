package dev.floe.trigger;

import dev.floe.stack.test.PackageCycles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The service's packages depend on each other in one direction only. */
@Tag("unit")
class PackageCyclesTest {
  @Test
  void shouldHaveNoPackageCycle() {
    PackageCycles.assertNone("dev.floe.trigger");
  }
}
