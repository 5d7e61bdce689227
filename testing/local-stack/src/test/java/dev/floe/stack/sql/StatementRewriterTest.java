package dev.floe.stack.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The rewriting alone: which references a statement reads, and what DuckDB is given to run. */
@Tag("unit")
class StatementRewriterTest {
  private static final TableIdentifier ICDC =
      TableIdentifier.of("floe_icdc", "demo__orders__orders");
  private static final TableIdentifier ORDERS = TableIdentifier.of("demo", "orders");

  private static RewrittenStatement rewrite(String sql) {
    return StatementRewriter.rewrite(sql, "lake");
  }

  private static TableReference at(TableIdentifier table, String ref) {
    return new TableReference(table, new TableVersion.Ref(ref));
  }

  private static TableReference current(TableIdentifier table) {
    return new TableReference(table, new TableVersion.Current());
  }

  @Test
  void catalogQualifiedTagReadBecomesTheInMemoryCopyAliasedToTheTableName() {
    RewrittenStatement statement =
        rewrite(
            "SELECT * FROM lake.floe_icdc.demo__orders__orders"
                + " VERSION AS OF 'change-4817390215547788201'");

    assertThat(statement.sql())
        .isEqualTo(
            "SELECT * FROM \"floe_icdc.demo__orders__orders@change-4817390215547788201\""
                + " AS \"demo__orders__orders\"");
    assertThat(statement.tables()).containsOnlyKeys(at(ICDC, "change-4817390215547788201"));
  }

  @Test
  void twoPartNameWithoutTimeTravelReadsTheCurrentState() {
    RewrittenStatement statement = rewrite("SELECT count(*) FROM demo.orders");

    assertThat(statement.sql()).isEqualTo("SELECT count(*) FROM \"demo.orders\" AS \"orders\"");
    assertThat(statement.tables()).containsOnlyKeys(current(ORDERS));
  }

  @Test
  void exceptAllBetweenTwoVersionsReadsBothInOrder() {
    RewrittenStatement statement =
        rewrite(
            "SELECT * FROM demo.orders VERSION AS OF 'change-1'"
                + " EXCEPT ALL SELECT * FROM demo.orders VERSION AS OF 'removed-1'");

    assertThat(statement.tables().keySet())
        .containsExactly(at(ORDERS, "change-1"), at(ORDERS, "removed-1"));
    assertThat(statement.sql())
        .isEqualTo(
            "SELECT * FROM \"demo.orders@change-1\" AS \"orders\""
                + " EXCEPT ALL SELECT * FROM \"demo.orders@removed-1\" AS \"orders\"");
  }

  @Test
  void trinoFormAndSnapshotIdsAreAccepted() {
    RewrittenStatement statement =
        rewrite(
            "select * from lake.demo.orders for version as of 42"
                + " join demo.orders system_version as of '7' using (order_id)");

    assertThat(statement.tables().keySet())
        .containsExactly(
            new TableReference(ORDERS, new TableVersion.SnapshotId(42)), at(ORDERS, "7"));
    assertThat(statement.sql())
        .isEqualTo(
            "select * from \"demo.orders@snapshot:42\" AS \"orders\""
                + " join \"demo.orders@7\" AS \"orders\" using (order_id)");
  }

  @Test
  void aliasesAreKeptAndTheSameStateIsReadOnce() {
    RewrittenStatement statement =
        rewrite(
            "SELECT o.order_id FROM demo.orders o JOIN lake.demo.orders AS p"
                + " ON o.order_id = p.order_id, demo.customers c");

    assertThat(statement.sql())
        .isEqualTo(
            "SELECT o.order_id FROM \"demo.orders\" o JOIN \"demo.orders\" AS p"
                + " ON o.order_id = p.order_id, \"demo.customers\" c");
    assertThat(statement.tables().keySet())
        .containsExactly(current(ORDERS), current(TableIdentifier.of("demo", "customers")));
  }

  @Test
  void quotedNamesInSparkOrAnsiStyleAreUnquoted() {
    RewrittenStatement statement =
        rewrite("SELECT * FROM lake.`floe_icdc`.\"demo__orders__orders\" VERSION AS OF 'it''s'");

    assertThat(statement.tables()).containsOnlyKeys(at(ICDC, "it's"));
  }

  @Test
  void subqueriesAndCommonTableExpressionsAreSearched() {
    RewrittenStatement statement =
        rewrite(
            "WITH paid AS (SELECT * FROM demo.orders WHERE status = 'PAID')"
                + " SELECT * FROM paid, (SELECT max(order_id) m FROM demo.orders"
                + " VERSION AS OF 'change-1') t");

    assertThat(statement.tables().keySet())
        .containsExactly(current(ORDERS), at(ORDERS, "change-1"));
    assertThat(statement.sql()).contains("FROM paid, (SELECT");
  }

  @Test
  void fromThatStartsNoTableListIsLeftAlone() {
    String sql =
        "SELECT extract(year FROM o.order_ts), substring(o.region FROM 1 FOR 2),"
            + " o.note IS DISTINCT FROM o.status, 'FROM demo.orders' -- FROM demo.orders\n"
            + " FROM orders_cte o /* JOIN demo.orders */ JOIN read_parquet('x.parquet') p ON true";

    RewrittenStatement statement = rewrite(sql);

    assertThat(statement.sql()).isEqualTo(sql);
    assertThat(statement.tables()).isEmpty();
  }

  @Test
  void duckDbFromFirstStatementIsRewritten() {
    assertThat(rewrite("FROM demo.orders SELECT count(*)").tables())
        .containsOnlyKeys(current(ORDERS));
  }

  @Test
  void versionThatIsNeitherANameNorAnIdIsRefusedWithTheForms() {
    assertThatThrownBy(() -> rewrite("SELECT * FROM demo.orders VERSION AS OF change_1"))
        .isInstanceOf(LakeSqlException.class)
        .hasMessageContaining("demo.orders")
        .hasMessageContaining("quoted tag or branch name")
        .hasMessageContaining("found change_1");
  }

  @Test
  void timeTravelByTimestampIsRefusedNotPassedOn() {
    assertThatThrownBy(
            () -> rewrite("SELECT * FROM demo.orders TIMESTAMP AS OF '2026-11-24 10:00:00'"))
        .isInstanceOf(LakeSqlException.class)
        .hasMessageContaining("time travel by timestamp is not supported");
  }

  @Test
  void unclosedStringIsRefused() {
    assertThatThrownBy(() -> rewrite("SELECT * FROM demo.orders VERSION AS OF 'change-1"))
        .isInstanceOf(LakeSqlException.class)
        .hasMessageContaining("never closed");
  }
}
