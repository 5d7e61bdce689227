package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.stack.LocalStack;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing of every REST payload, against the four packaged services with
 * authentication on, called with an admin token (every role): whatever arrives, the answer is never
 * 5xx; a refusal is a 4xx with RFC 9457 problem details (a 400 names the fields at fault) and
 * changes nothing the service lists. Bodies are mostly objects with the endpoint's own field names
 * (so that validation is reached field by field) holding plausible or hostile values, and otherwise
 * any JSON value, broken JSON or text. jqwik shrinks a failing body to a small one.
 */
class RestFuzzIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TRIES = 250;

  private static LocalStack stack;
  private static StackHttp admin;

  @BeforeContainer
  static void start() {
    stack = LocalStack.start(TestStacks.options("rest-fuzz"));
    admin = StackHttp.as(stack, "admin");
  }

  @AfterContainer
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Property(tries = TRIES)
  void watches(@ForAll("watchBodies") String body) {
    check("commit-listener", "POST", "/watches", body, "/watches", "table");
  }

  @Property(tries = TRIES)
  void captures(@ForAll("captureBodies") String body) {
    check("change-capture-service", "POST", "/captures", body, "/captures", "id");
  }

  @Property(tries = TRIES)
  void triggers(@ForAll("triggerBodies") String body) {
    check("trigger-service", "POST", "/triggers", body, "/triggers", "id");
  }

  @Property(tries = TRIES)
  void backfills(@ForAll("backfillBodies") String body) {
    check("backfill-service", "POST", "/backfills", body, "/backfills", "id");
  }

  @Property(tries = TRIES)
  void runStatusReports(@ForAll("segments") String runId, @ForAll("statusBodies") String body) {
    check("trigger-service", "POST", "/runs/" + encode(runId) + "/status", body, null, null);
  }

  @Property(tries = TRIES)
  void pinReleases(@ForAll("segments") String id, @ForAll("releaseBodies") String body) {
    check(
        "change-capture-service",
        "POST",
        "/captures/" + encode(id) + "/pins/release",
        body,
        "/captures",
        "id");
  }

  /** Ids and names in paths: reads, deletes and actions on whatever a caller names. */
  @Property(tries = TRIES)
  void pathIdentifiers(@ForAll("segments") String id, @ForAll("pathCalls") String call) {
    String[] parts = call.split(" ", 4);
    check(parts[0], parts[1], parts[2].replace("{}", encode(id)), null, parts[3], "id");
  }

  /** The property: never 5xx; a refusal is problem details and leaves the listing unchanged. */
  private static void check(
      String service, String method, String path, String body, String view, String key) {
    URI base = stack.service(service).url();
    List<String> before = view == null ? List.of() : listing(base.resolve(view), key);

    HttpResponse<String> answer = admin.send(method, base.resolve(path), body);

    int status = answer.statusCode();
    String call = method + " " + path + " " + body + " -> " + status + " " + answer.body();
    assertThat(status).as(call).isLessThan(500);
    if (status >= 400) {
      assertThat(answer.headers().firstValue("Content-Type").orElse(""))
          .as(call)
          .startsWith("application/problem+json");
      JsonNode problem = read(answer.body());
      assertThat(problem.path("status").asInt()).as(call).isEqualTo(status);
      assertThat(problem.path("title").asText()).as(call).isNotBlank();
      if (status == 400) {
        assertThat(problem.path("errors")).as(call).isNotEmpty();
        problem
            .path("errors")
            .forEach(e -> assertThat(e.path("field").asText()).as(call).isNotBlank());
      }
      if (view != null) {
        assertThat(listing(base.resolve(view), key)).as(call).isEqualTo(before);
      }
    }
  }

  private static List<String> listing(URI uri, String key) {
    HttpResponse<String> answer = admin.get(uri);
    assertThat(answer.statusCode()).as("GET " + uri).isEqualTo(200);
    List<String> names = new ArrayList<>();
    read(answer.body()).forEach(item -> names.add(item.path(key).asText()));
    return names;
  }

  @Provide
  Arbitrary<String> watchBodies() {
    return bodies(
        Map.of(
            "table", tables(),
            "branches", lists(branches()),
            "initialPosition",
                Arbitraries.of("earliest", "latest", "tomorrow", "").map(RestFuzzIT::object)));
  }

  @Provide
  Arbitrary<String> captureBodies() {
    Map<String, Arbitrary<Object>> icdc = Map.of("namespace", tables(), "table", tables());
    return bodies(
        Map.of(
            "id", ids(),
            "table", tables(),
            "trackedFields",
                lists(Arbitraries.of("order_ts", "region", "", "no_such").map(RestFuzzIT::object)),
            "changeKinds",
                lists(
                    Arbitraries.of("append", "delete", "replace", "truncate")
                        .map(RestFuzzIT::object)),
            "icdc", objects(icdc),
            "coalesceWindow", durations(),
            "icdcTtl", durations(),
            "pinTtl", durations(),
            "exactRanges", Arbitraries.of(true, false, "yes").map(RestFuzzIT::object),
            "branch", branches()));
  }

  @Provide
  Arbitrary<String> triggerBodies() {
    Map<String, Arbitrary<Object>> input = Map.of("capture", ids(), "table", tables());
    Map<String, Arbitrary<Object>> launcher =
        Map.of(
            "type", Arbitraries.of("webhook", "kafka", "shell", "").map(RestFuzzIT::object),
            "url",
                Arbitraries.of("http://127.0.0.1:9/run", "file:///etc/passwd", "not a url", "")
                    .map(RestFuzzIT::object),
            "params", hostile(),
            "headers", objects(Map.of("Authorization", hostile(), "X-Job", hostile())));
    return bodies(
        Map.ofEntries(
            Map.entry("id", ids()),
            Map.entry("inputs", lists(objects(input))),
            Map.entry(
                "condition", Arbitraries.of("any", "all", "some", "").map(RestFuzzIT::object)),
            Map.entry("minRecords", numbers()),
            Map.entry("minChangeSets", numbers()),
            Map.entry("maxDelay", durations()),
            Map.entry("quietPeriod", durations()),
            Map.entry(
                "rangeFilters", lists(objects(Map.of("field", hostile(), "from", hostile())))),
            Map.entry(
                "changeKinds",
                lists(Arbitraries.of("append", "overwrite", "truncate").map(RestFuzzIT::object))),
            Map.entry(
                "concurrency",
                objects(
                    Map.of(
                        "policy",
                            Arbitraries.of("sequential", "parallel", "latest-only", "x")
                                .map(RestFuzzIT::object),
                        "maxParallel", numbers()))),
            Map.entry("retry", objects(Map.of("maxAttempts", numbers(), "backoff", durations()))),
            Map.entry("runTimeout", durations()),
            Map.entry("launcher", objects(launcher)),
            Map.entry("paused", Arbitraries.of(true, false, "no").map(RestFuzzIT::object))));
  }

  @Provide
  Arbitrary<String> backfillBodies() {
    return bodies(
        Map.ofEntries(
            Map.entry("id", ids()),
            Map.entry("table", tables()),
            Map.entry("capture", ids()),
            Map.entry(
                "range",
                objects(
                    Map.of(
                        "field", Arbitraries.of("order_ts", "region", "").map(RestFuzzIT::object),
                        "from",
                            Arbitraries.of("2026-10-01T00:00:00Z", "yesterday", "")
                                .map(RestFuzzIT::object),
                        "to", hostile()))),
            Map.entry(
                "chunking",
                objects(
                    Map.of(
                        "strategy",
                        Arbitraries.of("partition", "day", "hour", "files", "records", "x")
                            .map(RestFuzzIT::object),
                        "field",
                        Arbitraries.of("order_ts", "region").map(RestFuzzIT::object),
                        "maxFiles",
                        numbers(),
                        "maxRecords",
                        numbers()))),
            Map.entry("trigger", ids()),
            Map.entry("concurrency", numbers()),
            Map.entry(
                "order",
                Arbitraries.of("oldest-first", "newest-first", "random").map(RestFuzzIT::object)),
            Map.entry("propagate", Arbitraries.of(true, false, "maybe").map(RestFuzzIT::object)),
            Map.entry(
                "validation",
                objects(
                    Map.of(
                        "type",
                            Arbitraries.of("record-count", "webhook", "x").map(RestFuzzIT::object),
                        "url", hostile()))),
            Map.entry("dryRun", Arbitraries.of(true, false, 1).map(RestFuzzIT::object))));
  }

  @Provide
  Arbitrary<String> statusBodies() {
    return bodies(
        Map.of(
            "status",
                Arbitraries.of("started", "succeeded", "failed", "cancelled", "exploded")
                    .map(RestFuzzIT::object),
            "attempt", numbers(),
            "message", hostile(),
            "errorKind",
                Arbitraries.of("transient", "permanent", "timeout", "cosmic")
                    .map(RestFuzzIT::object),
            "externalRunId", hostile(),
            "durationMs", numbers()));
  }

  @Provide
  Arbitrary<String> releaseBodies() {
    return bodies(Map.of("upToSnapshotId", numbers()));
  }

  /**
   * Path segments up to 1,000 characters. Longer request lines (over 4 KiB) never reach Floe: the
   * HTTP layer refuses them with a bare 4xx, which {@link #overlongRequestLines} checks.
   */
  @Provide
  Arbitrary<String> segments() {
    return Arbitraries.oneOf(
        ids().map(String::valueOf),
        hostileStrings().filter(s -> s.length() <= 1000),
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings().alpha().ofMinLength(100).ofMaxLength(1000));
  }

  @Example
  void overlongRequestLines() {
    URI uri =
        stack.service("trigger-service").url().resolve("/runs/" + "a".repeat(5000) + "/status");

    // Vert.x answers 400 (without a body) before any Floe code runs.
    assertThat(admin.send("POST", uri, "{}").statusCode()).isBetween(400, 499);
  }

  @Provide
  Arbitrary<String> pathCalls() {
    return Arbitraries.of(
        "commit-listener GET /watches/{} /watches",
        "commit-listener DELETE /watches/{} /watches",
        "change-capture-service GET /captures/{} /captures",
        "change-capture-service DELETE /captures/{} /captures",
        "trigger-service GET /triggers/{} /triggers",
        "trigger-service DELETE /triggers/{} /triggers",
        "trigger-service POST /triggers/{}/pause /triggers",
        "trigger-service POST /triggers/{}/run /triggers",
        "backfill-service GET /backfills/{} /backfills",
        "backfill-service POST /backfills/{}/cancel /backfills",
        "backfill-service POST /backfills/{}/retry /backfills");
  }

  // --- generators -------------------------------------------------------------------------------

  /** An object of the endpoint's fields (a random subset), any JSON, broken JSON, or text. */
  private static Arbitrary<String> bodies(Map<String, Arbitrary<Object>> fields) {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, objects(fields).map(RestFuzzIT::write)),
        net.jqwik.api.Tuple.of(1, anyJson(2).map(RestFuzzIT::write)),
        net.jqwik.api.Tuple.of(
            1,
            objects(fields)
                .map(RestFuzzIT::write)
                .flatMap(
                    s ->
                        Arbitraries.integers().between(0, s.length()).map(n -> s.substring(0, n)))),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(60)),
        net.jqwik.api.Tuple.of(
            1, Arbitraries.integers().between(1, 3000).map(n -> "[".repeat(n) + "]".repeat(n))));
  }

  /** Some of {@code fields}, each plausible, hostile or of any JSON type, and an unknown one. */
  private static Arbitrary<Object> objects(Map<String, Arbitrary<Object>> fields) {
    List<String> names = new ArrayList<>(fields.keySet());
    return Arbitraries.subsetOf(names)
        .flatMap(
            chosen -> {
              List<Arbitrary<Object>> values = new ArrayList<>();
              List<String> order = new ArrayList<>(chosen);
              for (String name : order) {
                values.add(
                    Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(6, fields.get(name)),
                        net.jqwik.api.Tuple.of(2, anyJson(1)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.just(null))));
              }
              return net.jqwik.api.Combinators.combine(values)
                  .as(
                      list -> {
                        Map<String, Object> object = new LinkedHashMap<>();
                        for (int i = 0; i < order.size(); i++) {
                          object.put(order.get(i), list.get(i));
                        }
                        return (Object) object;
                      });
            })
        .flatMap(
            object ->
                Arbitraries.frequencyOf(
                    net.jqwik.api.Tuple.of(9, Arbitraries.just(object)),
                    net.jqwik.api.Tuple.of(1, Arbitraries.just(withUnknownField(object)))));
  }

  @SuppressWarnings("unchecked")
  private static Object withUnknownField(Object object) {
    Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) object);
    copy.put("unexpected", 1);
    return copy;
  }

  private static Arbitrary<Object> anyJson(int depth) {
    List<Arbitrary<Object>> leaves =
        List.of(
            hostile(),
            numbers(),
            Arbitraries.of(true, false).map(RestFuzzIT::object),
            Arbitraries.doubles().map(RestFuzzIT::object));
    if (depth == 0) {
      return Arbitraries.oneOf(leaves);
    }
    List<Arbitrary<Object>> all = new ArrayList<>(leaves);
    all.add(anyJson(depth - 1).list().ofMaxSize(3).map(RestFuzzIT::object));
    all.add(
        Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(8), anyJson(depth - 1))
            .ofMaxSize(3)
            .map(RestFuzzIT::object));
    return Arbitraries.oneOf(all);
  }

  private static Arbitrary<Object> lists(Arbitrary<Object> element) {
    return element.list().ofMaxSize(4).map(RestFuzzIT::object);
  }

  private static Arbitrary<Object> ids() {
    return Arbitraries.oneOf(
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .ofMinLength(1)
            .ofMaxLength(12)
            .map(s -> "fz-" + s),
        hostile());
  }

  private static Arbitrary<Object> tables() {
    return Arbitraries.oneOf(
        Arbitraries.of("demo.orders", "fuzz.none", "a.b.c").map(RestFuzzIT::object), hostile());
  }

  private static Arbitrary<Object> branches() {
    return Arbitraries.oneOf(
        Arbitraries.of("main", "audit.2026").map(RestFuzzIT::object), hostile());
  }

  private static Arbitrary<Object> durations() {
    return Arbitraries.oneOf(
        Arbitraries.of("PT0S", "PT1H", "P7D", "-PT1S", "PT1000000H", "1h", "")
            .map(RestFuzzIT::object),
        numbers());
  }

  private static Arbitrary<Object> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(-3, 200).map(RestFuzzIT::object),
        Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE + 1L, 0L)
            .map(RestFuzzIT::object),
        Arbitraries.of(1e308, -0.5, 2.5).map(RestFuzzIT::object),
        Arbitraries.of("12", "NaN").map(RestFuzzIT::object));
  }

  private static Arbitrary<Object> hostile() {
    return hostileStrings().map(RestFuzzIT::object);
  }

  /** Path and SQL tricks, control characters, unicode, template syntax and long strings. */
  private static Arbitrary<String> hostileStrings() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "",
            " ",
            "../../etc/passwd",
            "..",
            "demo.orders'; DROP TABLE demo.orders; --",
            "\" OR \"1\"=\"1",
            "a/b",
            "a\\b",
            "%2e%2e%2f",
            "\u0000",
            "line\nbreak",
            "ünïcødé.表",
            "{run.runId}${jndi:ldap://127.0.0.1/x}",
            "<script>alert(1)</script>"),
        Arbitraries.strings().ofMaxLength(30),
        Arbitraries.strings().alpha().ofLength(5000));
  }

  /** Widens a generator to {@code Object}, for maps of fields of mixed types. */
  private static Object object(Object value) {
    return value;
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode read(String body) {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
