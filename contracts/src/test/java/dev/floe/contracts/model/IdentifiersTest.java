package dev.floe.contracts.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("unit")
class IdentifiersTest {
  private static final Pattern TABLE = Pattern.compile(Identifiers.TABLE);
  private static final Pattern BRANCH = Pattern.compile(Identifiers.BRANCH);

  @ParameterizedTest
  @ValueSource(strings = {"demo.orders", "a.b.c", "Sales_EU.orders-2026", "_tmp.t", "n.t_1", "x.y"})
  void tableNamesOfLettersDigitsUnderscoresAndDashesPass(String table) {
    assertThat(TABLE.matcher(table).matches()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "demo.orders'; DROP TABLE demo.orders; --",
        "demo.orders\" OR \"1\"=\"1",
        "demo.`orders`",
        "../../etc.passwd",
        "demo/../../secrets.orders",
        "demo.orders\\..\\..\\x",
        "demo..orders",
        ".orders",
        "orders.",
        "orders",
        "demo.orders%2F..%2Fx",
        "demo.orders\u0000",
        "demo.or ders",
        "demo.orders\n",
        "demo.-orders",
        "demo.ordérs",
        "demo.orders;"
      })
  void tableNamesWithPathOrSqlTricksAreRejected(String table) {
    assertThat(TABLE.matcher(table).matches()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"main", "audit-2026.11", "release_1.2.3", "feature-x"})
  void branchNamesPass(String branch) {
    assertThat(BRANCH.matcher(branch).matches()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", "a..b", "../main", "refs/heads/main", ".hidden", "main;", "ma in"})
  void branchNamesWithTricksAreRejected(String branch) {
    assertThat(BRANCH.matcher(branch).matches()).isFalse();
  }
}
