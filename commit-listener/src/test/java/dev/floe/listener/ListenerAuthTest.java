package dev.floe.listener;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.test.AuthEnabledProfile;
import dev.floe.stack.test.FloeAuthContract;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.writer.Orders;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may call the commit-listener's API. The tests, and their assertions, are {@link
 * FloeAuthContract}'s (401 without a token, 403 below each endpoint's role, passage at and above
 * it, forged and expired tokens refused, a refused call changing nothing); this class lists the
 * service's endpoints with the least role each needs, and a state-changing call.
 */
@QuarkusTest
@TestProfile(AuthEnabledProfile.class)
@WithTestResource(FloeTestResource.class)
class ListenerAuthTest extends FloeAuthContract {
  @BeforeEach
  void table() {
    stack
        .writer()
        .createOrLoad(TableIdentifier.of("auth", "watched"), Orders.SCHEMA, Orders.BY_DAY);
  }

  @Override
  protected List<Call> calls() {
    return List.of(
        new Call("GET", "/watches", null, "viewer"),
        new Call("GET", "/watches/auth.none", null, "viewer"),
        new Call("POST", "/watches", "{}", "admin"),
        new Call("DELETE", "/watches/auth.none", null, "admin"));
  }

  @Override
  protected Call change() {
    return new Call("POST", "/watches", "{\"table\": \"auth.watched\"}", "admin");
  }

  @Override
  protected String view() {
    return "/watches";
  }

  @Override
  protected String viewKey() {
    return "table";
  }

  /**
   * A hint only makes the listener look at the catalog at once: writers send it unauthenticated.
   */
  @Test
  void aCommitHintNeedsNoToken() {
    int status =
        given()
            .contentType("application/json")
            .body("{}")
            .post("/v1/namespaces/auth/tables/watched/metrics")
            .statusCode();

    assertThat(status).isNotIn(401, 403).isLessThan(500);
  }
}
