package dev.floe.stack.test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.stack.auth.DevAuth;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may call a service's REST API, checked over HTTP against the running app with real signed
 * tokens. A service's test extends this class, adds {@code @QuarkusTest},
 * {@code @WithTestResource(FloeTestResource.class)} and
 * {@code @TestProfile(AuthEnabledProfile.class)}, and lists its endpoints with the least role each
 * needs.
 */
public abstract class FloeAuthContract {
  /** Roles from the highest to the lowest, as the services rank them. */
  private static final List<String> RANKED = List.of("admin", "operator", "viewer");

  private static final DevAuth ISSUER = AuthEnabledProfile.issuer();

  @InjectFloeStack protected FloeStack stack;

  /**
   * One endpoint and the least role it needs. Its body may be invalid: a caller with the role gets
   * past authorisation and no further.
   */
  public record Call(String method, String path, String body, String role) {
    @Override
    public String toString() {
      return method + " " + path + " (" + role + ")";
    }
  }

  /** Every endpoint of the service's API, each with the least role it needs. */
  protected abstract List<Call> calls();

  /**
   * A valid call that changes state when its role makes it, and a viewer's {@code GET} path whose
   * answer shows that change.
   */
  protected abstract Call change();

  protected abstract String view();

  /** The field naming each item of {@link #view()}'s list. */
  protected String viewKey() {
    return "id";
  }

  /**
   * The field of {@link #view()}'s items that names who defined or requested each; null when the
   * view shows none.
   */
  protected String auditField() {
    return "definedBy";
  }

  /** The principal of the tests' tokens. */
  protected static final String CALLER = "tester";

  /** A token for {@code roles}, from the issuer the service trusts. */
  protected static String token(String... roles) {
    return ISSUER.token(CALLER, List.of(roles));
  }

  @BeforeEach
  void awaitReady() {
    FloeServiceContract.awaitServiceReady();
  }

  @Test
  void everyCallWithoutATokenIsRefusedWith401AndProblemDetails() {
    for (Call call : calls()) {
      Response answer = send(call, null);

      assertThat(answer.statusCode()).as(call.toString()).isEqualTo(401);
      assertThat(answer.contentType()).as(call.toString()).startsWith("application/problem+json");
      assertThat(answer.header("WWW-Authenticate")).as(call.toString()).isEqualTo("Bearer");
      assertThat(answer.jsonPath().getInt("status")).isEqualTo(401);
    }
  }

  @Test
  void everyCallBelowItsRoleIsRefusedWith403AndProblemDetails() {
    for (Call call : calls()) {
      for (String lower : below(call.role())) {
        Response answer = send(call, token(lower));

        assertThat(answer.statusCode()).as(call + " as " + lower).isEqualTo(403);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.jsonPath().getString("type")).endsWith("/forbidden");
      }
    }
  }

  @Test
  void eachCallLetsItsRoleAndTheRolesAboveItThrough() {
    for (Call call : calls()) {
      for (String role : RANKED.subList(0, RANKED.indexOf(call.role()) + 1)) {
        int status = send(call, token(role)).statusCode();

        assertThat(status).as(call + " as " + role).isNotIn(401, 403).isLessThan(500);
      }
    }
  }

  @Test
  void forgedExpiredAndForeignTokensAreRefusedWith401() {
    Call call = calls().get(0);
    DevAuth forger = DevAuth.open(Path.of("target", "dev-auth-forger"));
    Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
    List<String> refused =
        List.of(
            forger.token("tester", List.of("admin")),
            ISSUER.token(
                "tester", List.of("admin"), DevAuth.ISSUER, twoHoursAgo, Duration.ofHours(1)),
            ISSUER.token(
                "tester",
                List.of("admin"),
                "https://elsewhere.example",
                Instant.now(),
                Duration.ofHours(1)),
            "not-a-token");

    for (String token : refused) {
      Response answer = send(call, token);

      assertThat(answer.statusCode()).as(token).isEqualTo(401);
      assertThat(answer.contentType()).startsWith("application/problem+json");
    }
  }

  @Test
  void refusedCallsChangeNothingAndTheRightRoleDoes() {
    Call change = change();
    List<String> before = viewAs("viewer");

    assertThat(send(change, null).statusCode()).isEqualTo(401);
    for (String lower : below(change.role())) {
      assertThat(send(change, token(lower)).statusCode()).as(lower).isEqualTo(403);
    }
    assertThat(viewAs("viewer")).isEqualTo(before);

    // What the call refers to (a table, a trigger) may reach the service a moment after start-up.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(send(change, token(change.role())).statusCode())
                    .as(change.toString())
                    .isBetween(200, 299));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(viewAs("viewer")).isNotEqualTo(before));
    if (auditField() == null) {
      return;
    }
    // The item the call made is recorded as the token's caller, not "anonymous".
    List<Map<String, Object>> items =
        given()
            .header("Authorization", "Bearer " + token("viewer"))
            .get(view())
            .jsonPath()
            .getList("$");
    List<Map<String, Object>> made =
        items.stream()
            .filter(item -> !before.contains(String.valueOf(item.get(viewKey()))))
            .toList();
    assertThat(made.isEmpty() ? items : made)
        .as(auditField() + " of what " + change + " made")
        .extracting(item -> item.get(auditField()))
        .contains(CALLER);
  }

  @Test
  void healthMetricsAndOpenApiNeedNoToken() {
    for (String path : List.of("/q/health/ready", "/q/health/live", "/q/metrics", "/q/openapi")) {
      assertThat(given().when().get(path).statusCode()).as(path).isEqualTo(200);
    }
  }

  /** The items {@link #view()} lists, by name: other fields (lags, times) move on their own. */
  private List<String> viewAs(String role) {
    Response answer = given().header("Authorization", "Bearer " + token(role)).get(view());
    assertThat(answer.statusCode()).as("GET " + view()).isEqualTo(200);
    return answer.jsonPath().getList(viewKey(), String.class);
  }

  /** The Floe roles below {@code role}, and a token's foreign role that is not Floe's. */
  private static List<String> below(String role) {
    return Stream.concat(
            RANKED.subList(RANKED.indexOf(role) + 1, RANKED.size()).stream(), Stream.of("billing"))
        .toList();
  }

  private static Response send(Call call, String token) {
    RequestSpecification request = given();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (call.body() != null) {
      request.contentType("application/json").body(call.body());
    }
    return request.request(call.method(), call.path());
  }
}
