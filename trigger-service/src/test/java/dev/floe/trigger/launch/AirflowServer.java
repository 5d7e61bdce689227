package dev.floe.trigger.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Airflow 3's API as its code answers, for the launcher tests: {@code POST /auth/token} takes a
 * JSON {@code LoginBody} and answers 201 with an HS256 JWT ({@code exp}, {@code iat}, {@code nbf},
 * {@code sub}) that expires after the lifetime the test sets; {@code POST
 * /api/v2/dags/{dag_id}/dagRuns} wants it as a bearer token (401 "Not authenticated" without one,
 * 401 "Token Expired" past its {@code exp} on this server's clock, 403 "Invalid JWT token" for a
 * signature it did not make), validates the body against {@code TriggerDAGRunPostBody} of Airflow's
 * published OpenAPI file (422 with FastAPI's {@code HTTPValidationError}), answers a DAG run id
 * that exists with 409, and a new run with 200 and the run.
 */
final class AirflowServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DAG_RUNS = Pattern.compile("/api/v2/dags/([^/]+)/dagRuns");

  /** A request and Airflow's answer to it. */
  record Call(String path, String authorization, String body, int status, String answer) {}

  private static final Schema TRIGGER_BODY =
      schema("airflow/v2-rest-api-generated.yaml", "TriggerDAGRunPostBody");
  private static final Schema LOGIN_BODY =
      schema("airflow/v2-simple-auth-manager-generated.yaml", "LoginBody");

  private final HttpServer server;
  private final Clock clock;
  private final Map<String, String> users;
  private final Set<String> dagRuns = ConcurrentHashMap.newKeySet();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile Duration tokenLifetime = Duration.ofHours(24);
  private volatile byte[] signingKey = key();

  /**
   * @param clock this server's time: when its tokens are issued and whether they have expired
   * @param users user names and their passwords
   */
  AirflowServer(Clock clock, Map<String, String> users) {
    this.clock = clock;
    this.users = Map.copyOf(users);
    this.server = LocalHttp.start(this::handle);
  }

  String url() {
    return LocalHttp.url(server);
  }

  /** How long the tokens issued from now on are valid ({@code [api_auth] jwt_expiration_time}). */
  void tokenLifetime(Duration lifetime) {
    this.tokenLifetime = lifetime;
  }

  /** A new signing key: every token issued so far is refused (403). */
  void rotateKey() {
    this.signingKey = key();
  }

  List<Call> calls() {
    return calls;
  }

  List<Call> calls(String path) {
    return calls.stream().filter(c -> c.path().equals(path)).toList();
  }

  private void handle(HttpExchange http) throws IOException {
    String path = http.getRequestURI().getPath();
    String body = new String(http.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String authorization = http.getRequestHeaders().getFirst("Authorization");
    Matcher dag = DAG_RUNS.matcher(path);
    int status;
    String answer;
    if (path.equals("/auth/token") && http.getRequestMethod().equals("POST")) {
      String[] reply = login(http.getRequestHeaders().getFirst("Content-Type"), body);
      status = Integer.parseInt(reply[0]);
      answer = reply[1];
    } else if (dag.matches() && http.getRequestMethod().equals("POST")) {
      String refusal = refusal(authorization);
      if (refusal != null) {
        status = refusal.equals("Invalid JWT token") ? 403 : 401;
        answer = detail(refusal);
      } else {
        String[] reply = trigger(dag.group(1), body);
        status = Integer.parseInt(reply[0]);
        answer = reply[1];
      }
    } else {
      status = 404;
      answer = detail("Not Found");
    }
    calls.add(new Call(path, authorization, body, status, answer));
    LocalHttp.answer(http, status, "application/json", answer);
  }

  private String[] login(String contentType, String body) throws IOException {
    if (contentType == null || !contentType.startsWith("application/json")) {
      return new String[] {"415", detail("Unsupported Media Type")};
    }
    JsonNode login = JSON.readTree(body);
    List<Error> errors = LOGIN_BODY.validate(login);
    if (!errors.isEmpty()) {
      return new String[] {"422", validationError(errors)};
    }
    String user = login.get("username").asText();
    if (!login.get("password").asText().equals(users.get(user))) {
      return new String[] {"401", detail("Invalid credentials")};
    }
    long now = clock.instant().getEpochSecond();
    ObjectNode claims = JSON.createObjectNode();
    claims.put("sub", user).put("role", "ADMIN").put("jti", UUID.randomUUID().toString());
    claims.put("nbf", now).put("iat", now).put("exp", now + tokenLifetime.toSeconds());
    ObjectNode answer = JSON.createObjectNode().put("access_token", jwt(claims));
    return new String[] {"201", answer.toString()};
  }

  /** Why the API refuses {@code authorization}, as {@code get_user} words it; null to go on. */
  private String refusal(String authorization) throws IOException {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return "Not authenticated";
    }
    String[] parts = authorization.substring("Bearer ".length()).split("\\.");
    if (parts.length != 3
        || !MessageDigest.isEqual(
            sign(parts[0] + "." + parts[1]), Base64.getUrlDecoder().decode(parts[2]))) {
      return "Invalid JWT token";
    }
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    return clock.instant().getEpochSecond() >= claims.get("exp").asLong() ? "Token Expired" : null;
  }

  private String[] trigger(String dagId, String body) throws IOException {
    JsonNode run = JSON.readTree(body);
    List<Error> errors = TRIGGER_BODY.validate(run);
    if (!errors.isEmpty()) {
      return new String[] {"422", validationError(errors)};
    }
    String runId = run.path("dag_run_id").asText("manual__" + clock.instant());
    if (!dagRuns.add(dagId + "/" + runId)) {
      ObjectNode conflict = JSON.createObjectNode();
      conflict
          .putObject("detail")
          .put("reason", "Unique constraint violation")
          .put("statement", "hidden")
          .put("orig_error", "hidden")
          .put("message", "Serious error when handling your request. Check logs for more details");
      return new String[] {"409", conflict.toString()};
    }
    ObjectNode answer = JSON.createObjectNode();
    answer.put("dag_run_id", runId).put("dag_id", dagId).put("state", "queued");
    answer.put("run_type", "manual").put("triggered_by", "rest_api");
    answer.set("logical_date", run.get("logical_date"));
    answer.set(
        "conf", run.path("conf").isMissingNode() ? JSON.createObjectNode() : run.get("conf"));
    return new String[] {"200", answer.toString()};
  }

  private static String validationError(List<Error> errors) {
    ObjectNode answer = JSON.createObjectNode();
    var detail = answer.putArray("detail");
    for (Error error : errors) {
      ObjectNode entry = detail.addObject();
      entry.putArray("loc").add("body").add(String.valueOf(error.getInstanceLocation()));
      entry.put("msg", error.getMessage()).put("type", String.valueOf(error.getKeyword()));
    }
    return answer.toString();
  }

  private static String detail(String message) {
    return JSON.createObjectNode().put("detail", message).toString();
  }

  private String jwt(ObjectNode claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signed =
        b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
    return signed + "." + b64.encodeToString(sign(signed));
  }

  private byte[] sign(String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] key() {
    return UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A component schema of a published OpenAPI 3.1 file (JSON Schema 2020-12), refs resolved. */
  private static Schema schema(String resource, String component) {
    String iri = "https://airflow.apache.org/" + resource;
    String document;
    try (InputStream in = AirflowServer.class.getClassLoader().getResourceAsStream(resource)) {
      document = JSON.writeValueAsString(new YAMLMapper().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SchemaRegistry registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemas(uri -> uri.equals(iri) ? document : null));
    return registry.getSchema(SchemaLocation.of(iri + "#/components/schemas/" + component));
  }

  @Override
  public void close() {
    LocalHttp.stop(server);
  }
}
