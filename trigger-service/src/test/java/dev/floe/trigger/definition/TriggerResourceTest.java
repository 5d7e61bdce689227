package dev.floe.trigger.definition;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.InjectFloeStack;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** /triggers over HTTP, on a real broker. */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
@Timeout(120)
class TriggerResourceTest {
  @InjectFloeStack FloeStack stack;

  @BeforeEach
  void awaitReady() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  @Test
  void aTriggerIsCreatedWithDefaultsStoredReadPausedResumedAndDeleted() {
    String id = unique("crud");
    Map<String, Object> body =
        Map.of(
            "id",
            id,
            "inputs",
            List.of(Map.of("capture", "orders-daily"), Map.of("table", "demo.customers")),
            "condition",
            "all",
            "launcher",
            Map.of(
                "type",
                "webhook",
                "url",
                "http://127.0.0.1:9/run",
                "params",
                "{\"run\": \"{run.runId}\"}",
                "headers",
                Map.of("Authorization", "${secret:job-token}")));

    try (EventTap triggers = new EventTap(stack.kafka().bootstrapServers(), Topics.TRIGGERS)) {
      given()
          .contentType(ContentType.JSON)
          .body(body)
          .post("/triggers")
          .then()
          .statusCode(201)
          .header("Location", endsWith("/triggers/" + id))
          .body("condition", equalTo("all"))
          .body("minChangeSets", equalTo(1))
          .body("quietPeriod", equalTo("PT0S"))
          .body("changeKinds", not(hasItem("replace")))
          .body("concurrency.policy", equalTo("sequential"))
          .body("retry.maxAttempts", equalTo(3))
          .body("runTimeout", equalTo("PT1H"))
          .body("onLost", equalTo("hold"))
          .body("launcher.headers", equalTo(List.of("Authorization")));

      // Stored as a TriggerDefined on the compacted topic, keyed by trigger id.
      TriggerDefined stored =
          triggers.await(
              TriggerDefined.class, t -> t.triggerId().equals(id), Duration.ofSeconds(30));
      assertThat(stored.inputs())
          .containsExactly(
              TriggerInput.capture("orders-daily"),
              TriggerInput.table(
                  new dev.floe.contracts.model.TableRef(
                      stack.catalog().name(), List.of("demo"), "customers")));
      assertThat(stored.condition()).isEqualTo(TriggerCondition.ALL);
      assertThat(stored.changeKinds()).doesNotContain(ChangeKind.REPLACE);
      assertThat(stored.concurrency()).isEqualTo(Concurrency.sequential());
      // The definition holds the reference; the secret itself is in no event.
      assertThat(stored.launcher().headers()).containsEntry("Authorization", "${secret:job-token}");
      assertThat(triggers.raw())
          .allSatisfy(
              r ->
                  assertThat(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8))
                      .doesNotContain("test-job-token"));
    }

    given().get("/triggers").then().statusCode(200).body("id", hasItem(id));
    given().post("/triggers/" + id + "/pause").then().statusCode(200).body("paused", equalTo(true));
    given().get("/triggers/" + id).then().body("paused", equalTo(true));
    given()
        .post("/triggers/" + id + "/resume")
        .then()
        .statusCode(200)
        .body("paused", equalTo(false));

    given()
        .contentType(ContentType.JSON)
        .body(
            Map.of(
                "id",
                id,
                "inputs",
                List.of(Map.of("capture", "orders-daily")),
                "concurrency",
                Map.of("policy", "parallel", "maxParallel", 3),
                "launcher",
                Map.of("type", "kafka", "topic", "jobs.commands")))
        .post("/triggers")
        .then()
        .statusCode(200)
        .body("concurrency.maxParallel", equalTo(3))
        .body("launcher.type", equalTo("kafka"));

    given().delete("/triggers/" + id).then().statusCode(204);
    given().get("/triggers/" + id).then().statusCode(404).contentType("application/problem+json");
    given().post("/triggers/" + id + "/pause").then().statusCode(404);
  }

  @Test
  void anAirflowLoginAndAMaestroCallerAreStoredWithTheSecretsNameAndShownWithoutIt() {
    String airflow = unique("af-login");
    String maestro = unique("mo-user");
    try (EventTap triggers = new EventTap(stack.kafka().bootstrapServers(), Topics.TRIGGERS)) {
      given()
          .contentType(ContentType.JSON)
          .body(
              Map.of(
                  "id",
                  airflow,
                  "inputs",
                  List.of(Map.of("capture", "orders-daily")),
                  "launcher",
                  Map.of(
                      "type",
                      "airflow",
                      "url",
                      "http://airflow:8080",
                      "dagId",
                      "orders",
                      "login",
                      Map.of("username", "floe", "password", "${secret:job-token}"))))
          .post("/triggers")
          .then()
          .statusCode(201)
          .body("launcher.login.username", equalTo("floe"))
          .body("launcher.login.password", nullValue());
      given()
          .contentType(ContentType.JSON)
          .body(
              Map.of(
                  "id",
                  maestro,
                  "inputs",
                  List.of(Map.of("capture", "orders-daily")),
                  "launcher",
                  Map.of(
                      "type",
                      "maestro",
                      "url",
                      "http://maestro:8080",
                      "workflowId",
                      "orders_wf",
                      "user",
                      "orders-team")))
          .post("/triggers")
          .then()
          .statusCode(201)
          .body("launcher.user", equalTo("orders-team"));

      TriggerDefined stored =
          triggers.await(
              TriggerDefined.class, t -> t.triggerId().equals(airflow), Duration.ofSeconds(30));
      assertThat(stored.launcher().login())
          .isEqualTo(new Launcher.Login("floe", "${secret:job-token}"));
      assertThat(
              triggers
                  .await(
                      TriggerDefined.class,
                      t -> t.triggerId().equals(maestro),
                      Duration.ofSeconds(30))
                  .launcher()
                  .user())
          .isEqualTo("orders-team");
    }
    given().delete("/triggers/" + airflow).then().statusCode(204);
    given().delete("/triggers/" + maestro).then().statusCode(204);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "id                     | {\"id\": \"Bad Id\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "inputs                 | {\"id\": \"bad-no-inputs\", \"inputs\": [],"
            + " \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "inputs[0]              | {\"id\": \"bad-both\", \"inputs\": [{\"capture\": \"c\","
            + " \"table\": \"a.b\"}], \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "inputs[0].table        | {\"id\": \"bad-table\", \"inputs\": [{\"table\": \"nodot\"}],"
            + " \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "condition              | {\"id\": \"bad-cond\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"condition\": \"some\", \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "minChangeSets          | {\"id\": \"bad-min\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"minChangeSets\": 0, \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "maxDelay               | {\"id\": \"bad-delay\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"maxDelay\": \"PT0S\", \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "quietPeriod            | {\"id\": \"bad-quiet\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"quietPeriod\": \"-PT1S\", \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "rangeFilters[0]        | {\"id\": \"bad-range\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"rangeFilters\": [{\"field\": \"ts\"}],"
            + " \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "concurrency.policy     | {\"id\": \"bad-policy\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"concurrency\": {\"policy\": \"random\"},"
            + " \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "concurrency.maxParallel | {\"id\": \"bad-par\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"concurrency\": {\"policy\": \"sequential\", \"maxParallel\": 4},"
            + " \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "launcher               | {\"id\": \"bad-nolauncher\", \"inputs\": [{\"capture\": \"c\"}]}",
        "onLost                 | {\"id\": \"bad-lost\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"onLost\": \"shrug\", \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\"}}",
        "launcher.type          | {\"id\": \"bad-type\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"carrier-pigeon\"}}",
        "launcher.url           | {\"id\": \"bad-url\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"webhook\", \"url\": \"file:///etc/passwd\"}}",
        "launcher.dagId         | {\"id\": \"bad-dag\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"airflow\", \"url\": \"http://airflow:8080\"}}",
        "launcher.workflowId    | {\"id\": \"bad-wf\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"maestro\", \"url\": \"http://maestro:8080\"}}",
        "launcher.topic         | {\"id\": \"bad-topic\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"kafka\", \"topic\": \"no/slashes\"}}",
        "launcher.headers.Authorization | {\"id\": \"bad-literal\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:9/run\","
            + " \"headers\": {\"Authorization\": \"Bearer s3cr3t\"}}}",
        "launcher.headers.X-Api-Key | {\"id\": \"bad-unknown\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:9/run\","
            + " \"headers\": {\"X-Api-Key\": \"${secret:nope}\"}}}",
        "launcher.params        | {\"id\": \"bad-params\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"kafka\", \"topic\": \"t\","
            + " \"params\": \"{\\\"x\\\": \\\"{run.nope}\\\"}\"}}",
        "launcher.params        | {\"id\": \"bad-conf\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"airflow\", \"url\": \"http://airflow:8080\","
            + " \"dagId\": \"d\", \"params\": \"[{run.records}]\"}}",
        "launcher.params        | {\"id\": \"bad-run-params\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"maestro\", \"url\": \"http://maestro:8080\","
            + " \"workflowId\": \"w\", \"params\": \"{\\\"n\\\": {run.records}}\"}}",
        "launcher.login.password | {\"id\": \"bad-password\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"airflow\", \"url\": \"http://airflow:8080\","
            + " \"dagId\": \"d\", \"login\": {\"username\": \"floe\", \"password\": \"hunter2\"}}}",
        "launcher.login.username | {\"id\": \"bad-username\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"airflow\", \"url\": \"http://airflow:8080\","
            + " \"dagId\": \"d\", \"login\": {\"password\": \"${secret:job-token}\"}}}",
        "launcher.login         | {\"id\": \"bad-login\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"webhook\", \"url\": \"http://127.0.0.1:9/run\","
            + " \"login\": {\"username\": \"floe\", \"password\": \"${secret:job-token}\"}}}",
        "launcher.user          | {\"id\": \"bad-user\", \"inputs\": [{\"capture\": \"c\"}],"
            + " \"launcher\": {\"type\": \"airflow\", \"url\": \"http://airflow:8080\","
            + " \"dagId\": \"d\", \"user\": \"orders-team\"}}",
      })
  void anInvalidRequestIsAProblemNamingTheField(String field, String body) {
    given()
        .contentType(ContentType.JSON)
        .body(body)
        .post("/triggers")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("status", equalTo(400))
        .body("errors.field", hasItem(field));
    List<String> ids = given().get("/triggers").then().extract().jsonPath().getList("id");
    assertThat(ids).noneMatch(i -> i.startsWith("bad-"));
  }

  @Test
  void malformedJsonIsABadRequest() {
    given()
        .contentType(ContentType.JSON)
        .body("{\"id\": ")
        .post("/triggers")
        .then()
        .statusCode(400)
        .contentType("application/problem+json");
  }
}
