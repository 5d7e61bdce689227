package dev.floe.trigger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.RunCancelled;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.AuthEnabledProfile;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeAuthContract;
import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Who may call the trigger-service's API. The tests, and their assertions, are {@link
 * FloeAuthContract}'s (401 without a token, 403 below each endpoint's role, passage at and above
 * it, forged and expired tokens refused, a refused call changing nothing); this class lists the
 * service's endpoints with the least role each needs, and a state-changing call.
 */
@QuarkusTest
@TestProfile(AuthEnabledProfile.class)
@WithTestResource(FloeTestResource.class)
class TriggerAuthTest extends FloeAuthContract {
  @Override
  protected List<Call> calls() {
    return List.of(
        new Call("GET", "/triggers", null, "viewer"),
        new Call("GET", "/triggers/none", null, "viewer"),
        new Call("GET", "/triggers/none/status", null, "viewer"),
        new Call("POST", "/triggers", "{}", "admin"),
        new Call("POST", "/triggers/none/pause", null, "operator"),
        new Call("POST", "/triggers/none/resume", null, "operator"),
        new Call("POST", "/triggers/none/run", null, "operator"),
        new Call("DELETE", "/triggers/none", null, "admin"),
        new Call("POST", "/runs/none-1-1/status", "{}", "operator"));
  }

  @Override
  protected Call change() {
    return new Call(
        "POST",
        "/triggers",
        """
        {"id": "auth-job", "inputs": [{"capture": "orders-daily"}],
         "launcher": {"type": "webhook", "url": "http://127.0.0.1:9/run"}}
        """,
        "admin");
  }

  @Override
  protected String view() {
    return "/triggers";
  }

  /** A run command records the caller too: a job's cancellation names who reported it. */
  @Test
  void aCancellationReportedWithATokenNamesItsCaller() {
    String runId = "audit-" + UUID.randomUUID().toString().substring(0, 8) + "-mhx1-1";
    try (EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      given()
          .header("Authorization", "Bearer " + token("operator"))
          .contentType("application/json")
          .body("{\"status\": \"cancelled\", \"message\": \"not needed\"}")
          .post("/runs/" + runId + "/status")
          .then()
          .statusCode(202);
      RunCancelled cancelled =
          runs.await(RunCancelled.class, r -> r.runId().equals(runId), Duration.ofSeconds(30));
      assertThat(cancelled.cancelledBy()).isEqualTo(CALLER);
    }
  }
}
