package dev.floe.capture;

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

/**
 * Who may call the change-capture-service's API. The tests, and their assertions, are {@link
 * FloeAuthContract}'s (401 without a token, 403 below each endpoint's role, passage at and above
 * it, forged and expired tokens refused, a refused call changing nothing); this class lists the
 * service's endpoints with the least role each needs, and a state-changing call.
 */
@QuarkusTest
@TestProfile(AuthEnabledProfile.class)
@WithTestResource(FloeTestResource.class)
class CaptureAuthTest extends FloeAuthContract {
  @BeforeEach
  void table() {
    stack
        .writer()
        .createOrLoad(TableIdentifier.of("auth", "captured"), Orders.SCHEMA, Orders.BY_DAY);
  }

  @Override
  protected List<Call> calls() {
    return List.of(
        new Call("GET", "/captures", null, "viewer"),
        new Call("GET", "/captures/none", null, "viewer"),
        new Call("POST", "/captures", "{}", "admin"),
        new Call("DELETE", "/captures/none", null, "admin"),
        new Call("POST", "/captures/none/pins/release", "{}", "operator"));
  }

  @Override
  protected Call change() {
    return new Call(
        "POST", "/captures", "{\"id\": \"auth\", \"table\": \"auth.captured\"}", "admin");
  }

  @Override
  protected String view() {
    return "/captures";
  }
}
