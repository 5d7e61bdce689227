package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.RunEvent;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.LocalStack;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.statistics.Statistics;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Property-based fuzzing of every REST payload and path id, against the four packaged services with
 * authentication on, called with an admin token (every role). Each generated request is either
 * invalid by construction, and carries why, or may be valid:
 *
 * <ul>
 *   <li><b>invalid by construction</b>, answered with a 4xx: JSON cut off before its end; text that
 *       no JSON parser reads; a JSON value that is not an object; the endpoint's valid request
 *       without one required field; the valid request, or a random object, with one field holding a
 *       value that the field takes in no context (the endpoints' spoilers below); a path id that
 *       breaks every id pattern, or that no request of this test creates;
 *   <li><b>may be valid</b>, answered with a 2xx or a 4xx and nothing else: objects of the
 *       endpoint's fields holding plausible, hostile or any JSON values, sometimes with an unknown
 *       field; any JSON object; ids that other properties may have created.
 * </ul>
 *
 * <p>The valid requests name a table, a capture and a trigger made before the properties: a spoiled
 * one is refused for its spoiler alone, and a refusal that wrote anyway would change a definition
 * that exists. A 4xx is RFC 9457 problem details (a 400 names the fields at fault) and changes
 * nothing: the listing of the resource is the same before and after, definitions included, and a
 * refused run report publishes no run event. jqwik shrinks a failing request to a small one. Tries
 * per property: {@value TriesByTier#GATE} in the gate, {@value TriesByTier#SOAK} in the soak.
 */
@AddLifecycleHook(
    value = RestFuzzIT.TriesByTier.class,
    propagateTo = PropagationMode.DIRECT_DESCENDANTS)
class RestFuzzIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a refused request must leave as it was: the listing, reduced to its stable fields. */
  private record Listing(String path, String key, List<String> fields) {
    /**
     * Every item of the listing by key; only {@code fields} of each, or all when empty. Items of
     * other tests on the shared stack (whose statuses move by themselves) count by their key alone,
     * so that a refused request that created or removed anything is still seen.
     */
    Map<String, JsonNode> items(URI base) {
      URI uri = base.resolve(path);
      HttpResponse<String> answer = admin.get(uri);
      assertThat(answer.statusCode()).as("GET " + uri + " -> " + answer.body()).isEqualTo(200);
      Map<String, JsonNode> items = new TreeMap<>();
      for (JsonNode item : read(answer.body())) {
        JsonNode kept = item;
        if (!fields.isEmpty()) {
          ObjectNode some = JSON.createObjectNode();
          fields.forEach(f -> some.set(f, item.path(f)));
          kept = some;
        }
        String name = item.path(key).asText();
        items.put(name, name.contains("fz-") || name.contains("fuzz") ? kept : NullNode.instance);
      }
      return items;
    }
  }

  /** Watches show lag and poll times, which move: their definition is what a request changes. */
  private static final Listing WATCHES =
      new Listing("/watches", "table", List.of("table", "source", "branches", "initialPosition"));

  private static final Listing CAPTURES = new Listing("/captures", "id", List.of());
  private static final Listing TRIGGERS = new Listing("/triggers", "id", List.of());

  /** A backfill's revision moves with every change of it; its ETA moves by itself. */
  private static final Listing BACKFILLS =
      new Listing("/backfills", "id", List.of("id", "state", "revision"));

  /** A generated body or path id, and why it is invalid when it is so by construction. */
  record Fuzz(String text, String invalidBecause) {
    static Fuzz mayBeValid(String text) {
      return new Fuzz(text, null);
    }

    static Fuzz invalid(String text, String because) {
      return new Fuzz(text, because);
    }

    /** Why a request of these parts is invalid: when any one of them is; else null. */
    static String reasonOf(Fuzz... parts) {
      for (Fuzz part : parts) {
        if (part.invalidBecause() != null) {
          return part.invalidBecause();
        }
      }
      return null;
    }
  }

  /** A call naming an id in its path, and the listing a refusal must leave as it was. */
  record PathCall(String service, String method, String path, Listing listing) {
    @Override
    public String toString() {
      return service + " " + method + " " + path;
    }
  }

  /** Fewer tries in the gate, many more in the soak; a property's own {@code tries} wins. */
  public static final class TriesByTier implements AroundPropertyHook {
    static final int GATE = 30;
    static final int SOAK = 1000;

    @Override
    public PropertyExecutionResult aroundProperty(
        PropertyLifecycleContext context, PropertyExecutor property) {
      if (context.attributes().tries().isEmpty()) {
        context.attributes().setTries(TestTier.pick(GATE, SOAK));
      }
      return property.execute();
    }
  }

  /** A table with a few days of orders, made before the properties. */
  private static final String TABLE = "demo.fuzz_orders";

  /**
   * The capture and the trigger the valid requests name. No generated id has a digit after {@code
   * fz-}: no property deletes, pauses or redefines them, unless a refusal writes.
   */
  private static final String BASE_ID = "fz-base1";

  private static final String WEBHOOK = "http://127.0.0.1:9/run";

  // Valid requests, by endpoint; each is accepted before the properties run.

  private static final Map<String, Object> WATCH = Map.of("table", TABLE);

  private static final Map<String, Object> CAPTURE = Map.of("id", BASE_ID, "table", "fuzz.none");

  /** Paused: it never launches, though its input has no capture anyway. */
  private static final Map<String, Object> TRIGGER =
      Map.of(
          "id",
          BASE_ID,
          "inputs",
          List.of(Map.of("table", TABLE)),
          "launcher",
          Map.of("type", "webhook", "url", WEBHOOK),
          "paused",
          true);

  /** A dry run: a spoiled one accepted would start nothing. */
  private static final Map<String, Object> BACKFILL =
      Map.of(
          "table",
          TABLE,
          "chunking",
          Map.of("strategy", "day", "field", "order_ts"),
          "trigger",
          BASE_ID,
          "dryRun",
          true);

  /** Valid with any well-formed run id. */
  private static final Map<String, Object> STATUS = Map.of("status", "started");

  /** Passes validation: the capture named in the path, and its table, decide the answer. */
  private static final Map<String, Object> RELEASE = Map.of("upToSnapshotId", 1);

  private static LocalStack stack;
  private static StackHttp admin;
  private static EventTap runs;

  /** Run ids of refused reports, and of accepted ones: only the accepted may be run events. */
  private static final Set<String> refusedRuns = new HashSet<>();

  private static final Set<String> acceptedRuns = new HashSet<>();

  @BeforeContainer
  static void start() {
    stack = SharedStack.get();
    admin = StackHttp.as(stack, "admin");
    runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS);

    TableWriter writer = new TableWriter(stack.catalog().catalog());
    Table table =
        writer.createOrLoad(
            TableIdentifier.of("demo", "fuzz_orders"), Orders.SCHEMA, Orders.BY_DAY);
    OffsetDateTime from = OffsetDateTime.of(2026, 10, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    writer.append(table, Orders.generate(table, new Random(5), 1, 30, from, Duration.ofDays(3)));
    assertAccepted("commit-listener", "/watches", WATCH);
    assertAccepted("change-capture-service", "/captures", CAPTURE);
    assertAccepted("trigger-service", "/triggers", TRIGGER);
    // The backfill-service learns of the trigger from floe.triggers.
    await("the valid backfill request accepted")
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertAccepted("backfill-service", "/backfills", BACKFILL));
  }

  private static void assertAccepted(String service, String path, Map<String, Object> body) {
    URI uri = stack.service(service).url().resolve(path);
    HttpResponse<String> answer = admin.send("POST", uri, write(body));
    assertThat(answer.statusCode())
        .as("POST %s %s -> %s", uri, body, answer.body())
        .isBetween(200, 299);
  }

  @AfterContainer
  static void stop() {
    if (runs != null) {
      runs.close();
    }
    // The stack is the JVM's shared one: it stops when the JVM exits.
  }

  @Property
  void watches(@ForAll("watchBodies") Fuzz body) {
    check("commit-listener", "POST", "/watches", body.text(), body.invalidBecause(), WATCHES);
  }

  @Property
  void captures(@ForAll("captureBodies") Fuzz body) {
    check(
        "change-capture-service",
        "POST",
        "/captures",
        body.text(),
        body.invalidBecause(),
        CAPTURES);
  }

  @Property
  void triggers(@ForAll("triggerBodies") Fuzz body) {
    check("trigger-service", "POST", "/triggers", body.text(), body.invalidBecause(), TRIGGERS);
  }

  @Property
  void backfills(@ForAll("backfillBodies") Fuzz body) {
    check("backfill-service", "POST", "/backfills", body.text(), body.invalidBecause(), BACKFILLS);
  }

  @Property
  void runStatusReports(@ForAll("runIds") Fuzz runId, @ForAll("statusBodies") Fuzz body) {
    int status =
        check(
            "trigger-service",
            "POST",
            "/runs/" + encode(runId.text()) + "/status",
            body.text(),
            Fuzz.reasonOf(runId, body),
            null);
    (status < 400 ? acceptedRuns : refusedRuns).add(runId.text());
  }

  /**
   * A refused run report publishes nothing: after the property, {@code floe.runs} read to its end
   * holds no event of a run whose reports were all refused, and does hold a marker report accepted
   * after them (so the tap reads what the service publishes).
   */
  @AfterProperty
  void noRefusedRunReportBecameARunEvent() {
    if (refusedRuns.isEmpty() && acceptedRuns.isEmpty()) {
      return;
    }
    String marker = "fuzz-marker-" + UUID.randomUUID().toString().substring(0, 8) + "-1";
    URI uri = stack.service("trigger-service").url().resolve("/runs/" + marker + "/status");
    assertThat(admin.post(uri, "{\"status\": \"started\"}")).as("marker report").isEqualTo(202);

    runs.await(RunEvent.class, e -> marker.equals(e.runId()), Duration.ofSeconds(60));
    List<EventTap.Received> events = runs.drain();
    Set<String> published = new HashSet<>();
    events.stream()
        .map(EventTap.Received::event)
        .map(Event::payload)
        .filter(RunEvent.class::isInstance)
        .forEach(p -> published.add(((RunEvent) p).runId()));
    Set<String> neverAccepted = new HashSet<>(refusedRuns);
    neverAccepted.removeAll(acceptedRuns);
    refusedRuns.clear();
    acceptedRuns.clear();
    assertThat(published).as("run events on %s", Topics.RUNS).contains(marker);
    assertThat(published)
        .as("run events of refused reports on %s", Topics.RUNS)
        .doesNotContainAnyElementsOf(neverAccepted);
  }

  @Property
  void pinReleases(@ForAll("pathIds") Fuzz id, @ForAll("releaseBodies") Fuzz body) {
    check(
        "change-capture-service",
        "POST",
        "/captures/" + encode(id.text()) + "/pins/release",
        body.text(),
        Fuzz.reasonOf(id, body),
        CAPTURES);
  }

  /** Ids and names in paths: reads, deletes and actions on whatever a caller names. */
  @Property
  void pathIdentifiers(@ForAll("pathIds") Fuzz id, @ForAll("pathCalls") PathCall call) {
    check(
        call.service(),
        call.method(),
        call.path().replace("{}", encode(id.text())),
        null,
        id.invalidBecause(),
        call.listing());
  }

  @Example
  void overlongRequestLines() {
    URI uri =
        stack.service("trigger-service").url().resolve("/runs/" + "a".repeat(5000) + "/status");

    // Vert.x answers 400 (without a body) before any Floe code runs.
    assertThat(admin.send("POST", uri, "{}").statusCode()).isBetween(400, 499);
  }

  /**
   * The property: a request invalid by construction is refused with a 4xx, any other answered with
   * a 2xx or a 4xx; a refusal is problem details and leaves {@code listing} as it was.
   *
   * @return the status of the answer
   */
  private static int check(
      String service,
      String method,
      String path,
      String body,
      String invalidBecause,
      Listing listing) {
    URI base = stack.service(service).url();
    Map<String, JsonNode> before = listing == null ? Map.of() : listing.items(base);

    HttpResponse<String> answer = admin.send(method, base.resolve(path), body);

    int status = answer.statusCode();
    String call =
        method
            + " "
            + path
            + " "
            + body
            + (invalidBecause == null ? "" : " (invalid: " + invalidBecause + ")")
            + " -> "
            + status
            + " "
            + answer.body();
    // Each property sends a good share of invalid requests: a generator that stopped would fail.
    Statistics.label("answers")
        .collect(invalidBecause == null ? "may be valid" : "invalid", status / 100 + "xx");
    Statistics.label("answers").coverage(c -> c.check("invalid", "4xx").percentage(p -> p >= 20));
    if (invalidBecause != null) {
      assertThat(status).as(call).isBetween(400, 499);
    } else {
      assertThat(status / 100).as(call).isIn(2, 4);
    }
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
      if (listing != null) {
        assertThat(listing.items(base)).as("%s after %s", listing.path(), call).isEqualTo(before);
      }
    }
    return status;
  }

  // --- what each endpoint is sent ---------------------------------------------------------------

  @Provide
  Arbitrary<Fuzz> watchBodies() {
    return bodies(
        WATCH,
        fields(
            "table", tables(),
            "branches", lists(branches()),
            "initialPosition", values("earliest", "latest", "tomorrow", "")),
        List.of(List.of("table")),
        List.of(
            spoil("table", Arbitraries.oneOf(noNames(), structures())),
            spoil("branches", Arbitraries.oneOf(values(List.of()), listsOf(noNames()), notLists())),
            spoil("initialPosition", Arbitraries.oneOf(values("tomorrow", ""), structures()))));
  }

  @Provide
  Arbitrary<Fuzz> captureBodies() {
    Map<String, Arbitrary<Object>> icdc = fields("namespace", tables(), "table", tables());
    return bodies(
        CAPTURE,
        fields(
            "id", ids(),
            "table", tables(),
            "trackedFields", lists(values("order_ts", "region", "", "no_such")),
            "changeKinds", lists(values("append", "delete", "replace", "truncate")),
            "icdc", objects(icdc),
            "coalesceWindow", durations(),
            "icdcTtl", durations(),
            "pinTtl", durations(),
            "exactRanges", values(true, false, "yes"),
            "branch", branches()),
        List.of(List.of("id"), List.of("table")),
        List.of(
            spoil("id", Arbitraries.oneOf(noNames(), structures())),
            spoil("table", Arbitraries.oneOf(noNames(), structures())),
            spoil(
                "trackedFields", Arbitraries.oneOf(values(List.of(""), List.of(" ")), notLists())),
            spoil(
                "changeKinds",
                Arbitraries.oneOf(values(List.of("truncate"), List.of("APPEND")), notLists())),
            spoil(
                "icdc",
                Arbitraries.oneOf(
                    noNames().map(n -> object(Map.of("namespace", n))),
                    noNames().map(n -> object(Map.of("table", n))),
                    notObjects())),
            // Only PT0S, one change set per commit, is supported.
            spoil("coalesceWindow", values("PT1H", "P7D", "-PT1S")),
            spoil("icdcTtl", values("PT0S", "-PT1S")),
            spoil("pinTtl", values("PT0S", "-PT1S")),
            spoil("exactRanges", Arbitraries.oneOf(values("yes"), structures())),
            spoil("branch", Arbitraries.oneOf(noNames(), structures()))));
  }

  @Provide
  Arbitrary<Fuzz> triggerBodies() {
    Map<String, Arbitrary<Object>> input = fields("capture", ids(), "table", tables());
    Map<String, Arbitrary<Object>> launcher =
        fields(
            "type", values("webhook", "kafka", "shell", ""),
            "url", values("http://127.0.0.1:9/run", "file:///etc/passwd", "not a url", ""),
            "params", hostile(),
            "headers", objects(fields("Authorization", hostile(), "X-Job", hostile())));
    return bodies(
        TRIGGER,
        fields(
            "id", ids(),
            "inputs", lists(objects(input)),
            "condition", values("any", "all", "some", ""),
            "minRecords", numbers(),
            "minChangeSets", numbers(),
            "maxDelay", durations(),
            "quietPeriod", durations(),
            "rangeFilters", lists(objects(fields("field", hostile(), "from", hostile()))),
            "changeKinds", lists(values("append", "overwrite", "truncate")),
            "concurrency",
                objects(
                    fields(
                        "policy", values("sequential", "parallel", "latest-only", "x"),
                        "maxParallel", numbers())),
            "retry", objects(fields("maxAttempts", numbers(), "backoff", durations())),
            "runTimeout", durations(),
            "launcher", objects(launcher),
            "paused", values(true, false, "no")),
        List.of(List.of("id"), List.of("inputs"), List.of("launcher")),
        List.of(
            spoil("id", Arbitraries.oneOf(noNames(), structures())),
            spoil(
                "inputs",
                Arbitraries.oneOf(
                    values(
                        List.of(),
                        List.of(Map.of()),
                        List.of(Map.of("capture", "fz-c", "table", "demo.orders"))),
                    noNames().map(n -> object(List.of(Map.of("capture", n)))),
                    noNames().map(n -> object(List.of(Map.of("table", n)))),
                    notLists())),
            spoil("condition", Arbitraries.oneOf(values("some", "", "ANY"), structures())),
            spoil("minRecords", values(-1, -3, "NaN")),
            spoil("minChangeSets", values(0, -1, "NaN")),
            spoil("maxDelay", values("PT0S", "-PT1S")),
            spoil("quietPeriod", values("-PT1S")),
            spoil("runTimeout", values("PT0S", "-PT1S")),
            spoil(
                "rangeFilters",
                values(
                    List.of(Map.of()),
                    List.of(Map.of("field", "order_ts")),
                    List.of(Map.of("field", "", "from", "1")))),
            spoil("changeKinds", values(List.of("truncate"), List.of("APPEND"))),
            spoil(
                "concurrency",
                Arbitraries.oneOf(
                    values(
                        Map.of("policy", "x"),
                        Map.of("maxParallel", 0),
                        Map.of("policy", "parallel", "maxParallel", 101),
                        // parallel needs maxParallel; the others take none but 1
                        Map.of("policy", "parallel"),
                        Map.of("policy", "sequential", "maxParallel", 2)),
                    notObjects())),
            spoil(
                "retry",
                Arbitraries.oneOf(
                    values(
                        Map.of("maxAttempts", 0),
                        Map.of("maxAttempts", 101),
                        Map.of("backoff", "-PT1S")),
                    notObjects())),
            spoil(
                "launcher",
                Arbitraries.oneOf(
                    values(
                        Map.of(),
                        Map.of("type", "shell", "url", WEBHOOK),
                        Map.of("type", "", "url", WEBHOOK),
                        Map.of("type", "webhook"),
                        Map.of("type", "webhook", "url", "file:///etc/passwd"),
                        Map.of("type", "kafka"),
                        // A credential in clear, not a ${secret:...} reference.
                        Map.of(
                            "type",
                            "webhook",
                            "url",
                            WEBHOOK,
                            "headers",
                            Map.of("Authorization", "Bearer in-clear"))),
                    notObjects())),
            spoil("paused", Arbitraries.oneOf(values("no"), structures()))));
  }

  @Provide
  Arbitrary<Fuzz> backfillBodies() {
    return bodies(
        BACKFILL,
        fields(
            "id", ids(),
            "table", tables(),
            "capture", ids(),
            "range",
                objects(
                    fields(
                        "field", values("order_ts", "region", ""),
                        "from", values("2026-10-01T00:00:00Z", "yesterday", ""),
                        "to", hostile())),
            "chunking",
                objects(
                    fields(
                        "strategy", values("partition", "day", "hour", "files", "records", "x"),
                        "field", values("order_ts", "region"),
                        "maxFiles", numbers(),
                        "maxRecords", numbers())),
            "trigger", ids(),
            "concurrency", numbers(),
            "order", values("oldest-first", "newest-first", "random"),
            "propagate", values(true, false, "maybe"),
            "validation",
                objects(
                    fields(
                        "method", values("record-count", "webhook", "x"),
                        "target", tables(),
                        "url", hostile())),
            "dryRun", values(true, false, 1)),
        // A table or a capture is required.
        List.of(List.of("chunking"), List.of("trigger"), List.of("table", "capture")),
        List.of(
            spoil("id", Arbitraries.oneOf(noNames(), values("a".repeat(64)), structures())),
            spoil("table", Arbitraries.oneOf(noNames(), structures())),
            spoil("capture", Arbitraries.oneOf(noNames(), structures())),
            spoil(
                "range",
                Arbitraries.oneOf(
                    values(
                        Map.of(
                            "fromTime", "2026-10-09T00:00:00Z", "toTime", "2026-10-02T00:00:00Z"),
                        Map.of("fromTime", "yesterday")),
                    notObjects())),
            spoil(
                "chunking",
                Arbitraries.oneOf(
                    values(
                        Map.of(),
                        Map.of("strategy", "x"),
                        Map.of("strategy", "files", "maxFiles", 0),
                        Map.of("strategy", "records", "maxRecords", -1)),
                    notObjects())),
            spoil("trigger", Arbitraries.oneOf(noNames(), structures())),
            spoil("concurrency", values(0, 101, -3, "NaN")),
            spoil("order", Arbitraries.oneOf(values("random", "sideways", ""), structures())),
            spoil("propagate", Arbitraries.oneOf(values("maybe"), structures())),
            spoil(
                "validation",
                Arbitraries.oneOf(
                    values(
                        Map.of(),
                        Map.of("method", "x"),
                        Map.of("method", "webhook", "url", "ftp://x"),
                        Map.of("method", "record-count"),
                        Map.of("method", "record-count", "target", "demo.orders", "tolerance", 2)),
                    notObjects())),
            spoil("dryRun", Arbitraries.oneOf(values("perhaps"), structures()))));
  }

  @Provide
  Arbitrary<Fuzz> statusBodies() {
    return bodies(
        STATUS,
        fields(
            "status", values("started", "succeeded", "failed", "cancelled", "exploded"),
            "attempt", numbers(),
            "message", hostile(),
            "errorKind", values("transient", "permanent", "timeout", "cosmic"),
            "externalRunId", hostile(),
            "durationMs", numbers()),
        List.of(List.of("status")),
        List.of(
            spoil("status", Arbitraries.oneOf(values("exploded", "", " "), structures())),
            spoil("attempt", values(0, -1, "NaN")),
            spoil("durationMs", values(-1, "NaN")),
            spoil("message", values("m".repeat(2001))),
            spoil("externalRunId", values("e".repeat(201))),
            // The kind of a failure; other reports carry none.
            Arbitraries.just(object(Map.of("status", "failed", "errorKind", "cosmic")))));
  }

  @Provide
  Arbitrary<Fuzz> releaseBodies() {
    return bodies(
        RELEASE,
        fields("upToSnapshotId", numbers()),
        List.of(List.of("upToSnapshotId")),
        List.of(spoil("upToSnapshotId", Arbitraries.oneOf(values("NaN"), structures()))));
  }

  /**
   * Run ids: no run id at all (invalid), or well-formed ones of runs this test never started, which
   * the service takes as reports it can't check (it knows no runs: the decision core does).
   */
  @Provide
  Arbitrary<Fuzz> runIds() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, pathNoNames().map(s -> Fuzz.invalid(s, "'" + s + "' is not a run id"))),
        Tuple.of(2, unknownIds().map(s -> Fuzz.invalid(s, "'" + s + "' is not a run id"))),
        Tuple.of(
            2,
            Arbitraries.strings()
                .withCharRange('a', 'z')
                .ofMinLength(1)
                .ofMaxLength(12)
                .map(s -> Fuzz.mayBeValid("fz-" + s + "-1-1"))),
        Tuple.of(1, Arbitraries.strings().ofMaxLength(40).map(Fuzz::mayBeValid)));
  }

  /**
   * Path ids: names that break every id pattern, or ids of nothing (invalid); ids that other
   * properties may have created, or any text (may be valid).
   */
  @Provide
  Arbitrary<Fuzz> pathIds() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, pathNoNames().map(s -> Fuzz.invalid(s, "'" + s + "' is no id, name or table"))),
        Tuple.of(3, unknownIds().map(s -> Fuzz.invalid(s, "nothing is named '" + s + "'"))),
        Tuple.of(
            2, ids().map(String::valueOf).filter(s -> s.length() <= 1000).map(Fuzz::mayBeValid)),
        Tuple.of(1, Arbitraries.strings().ofMaxLength(40).map(Fuzz::mayBeValid)));
  }

  @Provide
  Arbitrary<PathCall> pathCalls() {
    return Arbitraries.of(
        new PathCall("commit-listener", "GET", "/watches/{}", WATCHES),
        new PathCall("commit-listener", "DELETE", "/watches/{}", WATCHES),
        new PathCall("change-capture-service", "GET", "/captures/{}", CAPTURES),
        new PathCall("change-capture-service", "DELETE", "/captures/{}", CAPTURES),
        new PathCall("trigger-service", "GET", "/triggers/{}", TRIGGERS),
        new PathCall("trigger-service", "DELETE", "/triggers/{}", TRIGGERS),
        new PathCall("trigger-service", "POST", "/triggers/{}/pause", TRIGGERS),
        new PathCall("trigger-service", "POST", "/triggers/{}/run", TRIGGERS),
        new PathCall("backfill-service", "GET", "/backfills/{}", BACKFILLS),
        new PathCall("backfill-service", "POST", "/backfills/{}/cancel", BACKFILLS),
        new PathCall("backfill-service", "POST", "/backfills/{}/retry", BACKFILLS));
  }

  // --- bodies -----------------------------------------------------------------------------------

  /**
   * Bodies for one endpoint: objects of its {@code fields}, and any objects (may be valid); and,
   * invalid by construction, the {@code valid} body or an object of the fields with one of the
   * {@code spoilers}, the valid body without one group of {@code required} fields, cut-off JSON,
   * text that is not JSON, and JSON that is not an object.
   */
  private static Arbitrary<Fuzz> bodies(
      Map<String, Object> valid,
      Map<String, Arbitrary<Object>> fields,
      List<List<String>> required,
      List<Arbitrary<Object>> spoilers) {
    return Arbitraries.frequencyOf(
        Tuple.of(4, objects(fields).map(o -> Fuzz.mayBeValid(write(o)))),
        Tuple.of(
            1,
            Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(8), anyJson(1))
                .ofMaxSize(3)
                .map(o -> Fuzz.mayBeValid(write(o)))),
        Tuple.of(3, spoiled(Arbitraries.just(valid), spoilers)),
        Tuple.of(1, spoiled(objects(fields), spoilers)),
        Tuple.of(1, Arbitraries.of(required).map(missing -> without(valid, missing))),
        Tuple.of(1, cutOff(objects(fields))),
        Tuple.of(1, notJson()),
        Tuple.of(1, notAnObject()));
  }

  /** An object with one field (or a few that go together) set to values that field never takes. */
  private static Arbitrary<Fuzz> spoiled(
      Arbitrary<Object> objects, List<Arbitrary<Object>> spoilers) {
    return Combinators.combine(objects, Arbitraries.oneOf(spoilers))
        .as(
            (object, spoiler) -> {
              Map<String, Object> body = asMap(object);
              body.putAll(asMap(spoiler));
              return Fuzz.invalid(write(body), "holds " + write(spoiler));
            });
  }

  private static Arbitrary<Object> spoil(String field, Arbitrary<Object> values) {
    return values.map(v -> object(Map.of(field, v)));
  }

  private static Fuzz without(Map<String, Object> valid, List<String> missing) {
    Map<String, Object> body = asMap(valid);
    missing.forEach(body::remove);
    return Fuzz.invalid(write(body), "lacks " + missing);
  }

  /** A strict prefix of an object's JSON: never a whole JSON value. */
  private static Arbitrary<Fuzz> cutOff(Arbitrary<Object> objects) {
    return objects
        .map(RestFuzzIT::write)
        .flatMap(
            s ->
                Arbitraries.integers()
                    .between(1, s.length() - 1)
                    .map(
                        n ->
                            Fuzz.invalid(
                                s.substring(0, n),
                                "JSON cut off after " + n + " of " + s.length() + " characters")));
  }

  /** Text that starts with a character no JSON value starts with. */
  private static Arbitrary<Fuzz> notJson() {
    return Combinators.combine(
            Arbitraries.of("<", "#", "'", "}", "x", "="), Arbitraries.strings().ofMaxLength(60))
        .as((first, rest) -> Fuzz.invalid(first + rest, "not JSON"));
  }

  /** JSON null, a number, a boolean, a string, an array or 3,000 nested arrays. */
  private static Arbitrary<Fuzz> notAnObject() {
    return Arbitraries.oneOf(
        Arbitraries.oneOf(
                Arbitraries.just(null),
                numbers(),
                values(true, false),
                hostile(),
                anyJson(1).list().ofMaxSize(3).map(RestFuzzIT::object))
            .map(v -> Fuzz.invalid(write(v), "JSON that is not an object")),
        Arbitraries.integers()
            .between(1, 3000)
            .map(n -> Fuzz.invalid("[".repeat(n) + "]".repeat(n), n + " nested arrays")));
  }

  // --- values -----------------------------------------------------------------------------------

  /** Some of {@code fields}, each plausible, hostile or of any JSON type, and an unknown one. */
  private static Arbitrary<Object> objects(Map<String, Arbitrary<Object>> fields) {
    List<String> names = new ArrayList<>(fields.keySet());
    return Arbitraries.subsetOf(names)
        .flatMap(
            chosen -> {
              List<Arbitrary<Object>> values = new ArrayList<>();
              List<String> order = names.stream().filter(chosen::contains).toList();
              for (String name : order) {
                values.add(
                    Arbitraries.frequencyOf(
                        Tuple.of(6, fields.get(name)),
                        Tuple.of(2, anyJson(1)),
                        Tuple.of(1, Arbitraries.just(null))));
              }
              return Combinators.combine(values)
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
                    Tuple.of(9, Arbitraries.just(object)),
                    Tuple.of(1, Arbitraries.just(withUnknownField(object)))));
  }

  private static Object withUnknownField(Object object) {
    Map<String, Object> copy = asMap(object);
    copy.put("unexpected", 1);
    return copy;
  }

  private static Arbitrary<Object> anyJson(int depth) {
    List<Arbitrary<Object>> leaves =
        List.of(
            hostile(),
            numbers(),
            values(true, false),
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

  /** Non-empty lists of {@code element}, so that each list holds one. */
  private static Arbitrary<Object> listsOf(Arbitrary<Object> element) {
    return element.list().ofMinSize(1).ofMaxSize(3).map(RestFuzzIT::object);
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

  /**
   * Ids, names and tables that nothing in this test creates: every created id starts with {@code
   * fz-}, every created table is one of {@link #tables()}.
   */
  private static Arbitrary<String> unknownIds() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .ofMinLength(1)
        .ofMaxLength(12)
        .flatMap(s -> Arbitraries.of("nx-" + s, "nx." + s));
  }

  private static Arbitrary<Object> tables() {
    return Arbitraries.oneOf(values("demo.orders", "fuzz.none", "a.b.c"), hostile());
  }

  private static Arbitrary<Object> branches() {
    return Arbitraries.oneOf(values("main", "audit.2026"), hostile());
  }

  private static Arbitrary<Object> durations() {
    return Arbitraries.oneOf(
        values("PT0S", "PT1H", "P7D", "-PT1S", "PT1000000H", "1h", ""), numbers());
  }

  private static Arbitrary<Object> numbers() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(-3, 200).map(RestFuzzIT::object),
        values(Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE + 1L, 0L),
        values(1e308, -0.5, 2.5),
        values("12", "NaN"));
  }

  private static Arbitrary<Object> hostile() {
    return hostileStrings().map(RestFuzzIT::object);
  }

  /** Path and SQL tricks, control characters, unicode, template syntax and long strings. */
  private static Arbitrary<String> hostileStrings() {
    return Arbitraries.oneOf(
        Arbitraries.of(NO_NAMES), Arbitraries.strings().ofMaxLength(30), longNames());
  }

  /**
   * Strings that break every name pattern of the API (ids, namespaces, tables, branches, run ids):
   * empty or blank, or holding a quote, a slash, a backslash, a percent sign, a control character,
   * a letter outside ASCII or a character of template syntax, or starting with a dot.
   */
  private static final String[] NO_NAMES = {
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
    "<script>alert(1)</script>"
  };

  /** 5,000 letters: longer than any id, name or branch may be, and without a table's dot. */
  private static Arbitrary<String> longNames() {
    return Arbitraries.strings().alpha().ofLength(5000);
  }

  /** {@link #NO_NAMES} and long names, as JSON values. */
  private static Arbitrary<Object> noNames() {
    return Arbitraries.oneOf(Arbitraries.of(NO_NAMES), longNames()).map(RestFuzzIT::object);
  }

  /**
   * {@link #NO_NAMES} that stay one path segment: not empty and not {@code ..} (which would name
   * another path); longer ones would make a request line the HTTP layer refuses before Floe.
   */
  private static Arbitrary<String> pathNoNames() {
    return Arbitraries.of(NO_NAMES).filter(s -> !s.isEmpty() && !s.equals(".."));
  }

  /**
   * An object or an array where a string, a number or a boolean belongs. (Not a number for a string
   * or a string for a number: JSON readers coerce scalars into one another.)
   */
  private static Arbitrary<Object> structures() {
    return values(Map.of("x", 1), List.of("a", "b"));
  }

  /** A number, a boolean or a string where an object belongs. */
  private static Arbitrary<Object> notObjects() {
    return values(5, true, "text");
  }

  /** An object, a number, a boolean or a string where an array belongs. */
  private static Arbitrary<Object> notLists() {
    return values(Map.of("x", 1), 5, true, "main");
  }

  /** The endpoint's fields in a fixed order, whatever the iteration order of {@code Map.of}. */
  private static Map<String, Arbitrary<Object>> fields(Object... namesAndValues) {
    Map<String, Arbitrary<Object>> fields = new TreeMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      @SuppressWarnings("unchecked")
      Arbitrary<Object> values = (Arbitrary<Object>) namesAndValues[i + 1];
      fields.put((String) namesAndValues[i], values);
    }
    return fields;
  }

  private static Arbitrary<Object> values(Object... values) {
    return Arbitraries.of(values);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object object) {
    return new LinkedHashMap<>((Map<String, Object>) object);
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
