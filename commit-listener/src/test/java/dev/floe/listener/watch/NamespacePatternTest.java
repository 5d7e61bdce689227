package dev.floe.listener.watch;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.iceberg.catalog.Namespace;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class NamespacePatternTest {

  @Test
  void aPlainNameMatchesOnlyThatNamespace() {
    NamespacePattern sales = NamespacePattern.of("sales");

    assertThat(sales.matches(Namespace.of("sales"))).isTrue();
    assertThat(sales.matches(Namespace.of("sales", "eu"))).isFalse();
    assertThat(sales.matches(Namespace.of("salesforce"))).isFalse();
  }

  @Test
  void aStarMatchesOneLevel() {
    NamespacePattern children = NamespacePattern.of("sales.*");

    assertThat(children.matches(Namespace.of("sales", "eu"))).isTrue();
    assertThat(children.matches(Namespace.of("sales"))).isFalse();
    assertThat(children.matches(Namespace.of("sales", "eu", "de"))).isFalse();
    assertThat(NamespacePattern.of("stream_*").matches(Namespace.of("stream_a1"))).isTrue();
  }

  @Test
  void aDoubleStarMatchesAnyDepth() {
    assertThat(NamespacePattern.of("**").matches(Namespace.of("a", "b", "c"))).isTrue();
    NamespacePattern below = NamespacePattern.of("sales.**");

    assertThat(below.matches(Namespace.of("sales"))).isTrue();
    assertThat(below.matches(Namespace.of("sales", "eu", "de"))).isTrue();
    assertThat(below.matches(Namespace.of("finance"))).isFalse();
  }

  @Test
  void discoveryDescendsOnlyWhereAMatchIsPossible() {
    assertThat(NamespacePattern.of("sales.*").mayMatchBelow(Namespace.of("sales"))).isTrue();
    assertThat(NamespacePattern.of("sales").mayMatchBelow(Namespace.of("sales"))).isFalse();
  }
}
