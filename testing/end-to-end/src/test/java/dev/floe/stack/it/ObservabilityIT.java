package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.LocalStack;
import dev.floe.stack.host.ChildProcesses;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.RepoPaths;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.prometheus.PrometheusProcess;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Floe observed as an operator sees it, on one local stack whose warehouse lives on an
 * S3-compatible server (s3proxy) and which a real Prometheus scrapes with Floe's own alert rules:
 *
 * <ul>
 *   <li>the README's run command as a newcomer meets it: the four packaged services answer ready,
 *       the summary names every URL and token file, the tokens work as printed and the API refuses
 *       a caller without one, and the demo writer's snapshots reach the catalog and {@code
 *       floe.snapshots} through its push hints;
 *   <li>a commit on the S3 warehouse is captured into an ICDC state and run by a trigger, the
 *       services reading and writing through Iceberg's S3FileIO by configuration alone;
 *   <li>every PromQL expression of every Grafana dashboard panel and every alert rule returns data
 *       from the running services, so no panel or rule names a metric that does not exist;
 *   <li>the source pins an operator watches follow consumption: kept while a trigger reading the
 *       capture still needs them, released together once every reader ran past them;
 *   <li>the Prometheus configuration and rules pass promtool's checks and unit tests.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OffsetDateTime OCT_1 =
      OffsetDateTime.of(2026, 10, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");

  private final Path repo = TestStacks.repo();
  private final String name = "obs_" + UUID.randomUUID().toString().substring(0, 6);
  private final String id = name.replace('_', '-');
  private final Map<String, List<Long>> rowsByRun = new ConcurrentHashMap<>();
  private final List<Long> written = new ArrayList<>();
  private final Set<TableIdentifier> icdcTables = ConcurrentHashMap.newKeySet();

  private LocalStack stack;
  private StackHttp admin;
  private StackHttp operator;
  private PrometheusProcess prometheus;
  private JobServer receiver;
  private Catalog catalog;
  private Table source;

  @BeforeAll
  void start() throws Exception {
    stack =
        LocalStack.start(
            TestStacks.options("observability")
                .withS3()
                .withDemo(Duration.ofSeconds(1))
                .withPrometheus(Ports.freePort(), Duration.ofSeconds(1))
                // Pins and their expiry are measured by the maintenance passes.
                .withServiceConfig(
                    "change-capture-service", Map.of("floe.capture.maintenance-interval", "PT2S"))
                .withServiceConfig(
                    "backfill-service", Map.of("floe.backfill.maintenance-interval", "PT2S")));
    prometheus = stack.prometheus().orElseThrow();
    admin = StackHttp.as(stack, "admin");
    operator = StackHttp.as(stack, "operator");
    catalog = stack.catalog().catalog();
    URI trigger = stack.service("trigger-service").url();

    // The job: reads each run's ICDC state and reports success; runs of the held trigger (the
    // backfill's chunks) are accepted and never reported, so that their backfill stays running.
    receiver =
        JobServer.start(2)
            .on(
                "/job",
                call -> Reply.of(202),
                call -> {
                  List<Long> rows = new ArrayList<>();
                  call.json().get("inputs").forEach(input -> rows.addAll(read(input.get("icdc"))));
                  rowsByRun.put(call.runId(), rows);
                  operator.report(
                      trigger, call.runId(), "{\"status\": \"succeeded\", \"durationMs\": 40}");
                })
            .on("/hold", call -> Reply.of(202));

    TableWriter writer = new TableWriter(catalog);
    source = writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
    source.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "20").commit();
    URI capture = stack.service("change-capture-service").url();
    assertThat(
            admin.post(
                capture.resolve("/captures"),
                "{\"id\": \"cap-%s\", \"table\": \"demo.%s\", \"trackedFields\": [\"order_ts\"]}"
                    .formatted(id, name)))
        .isEqualTo(201);
    String webhook = receiver.url("").toString();
    assertThat(
            admin.post(
                trigger.resolve("/triggers"),
                ("{\"id\": \"job-%s\", \"inputs\": [{\"capture\": \"cap-%s\"}],"
                        + " \"quietPeriod\": \"PT1S\", \"launcher\": {\"type\": \"webhook\","
                        + " \"url\": \"%s/job\"}}")
                    .formatted(id, id, webhook)))
        .isEqualTo(201);
    assertThat(
            admin.post(
                trigger.resolve("/triggers"),
                ("{\"id\": \"backfill-%s\", \"inputs\": [{\"table\": \"demo.%s\"}],"
                        + " \"launcher\": {\"type\": \"webhook\", \"url\": \"%s/hold\"}}")
                    .formatted(id, name, webhook)))
        .isEqualTo(201);
    assertThat(
            admin.post(
                stack.service("commit-listener").url().resolve("/watches"),
                "{\"table\": \"demo." + name + "\"}"))
        .isIn(200, 201);

    // Three commits of two days each, on the S3 warehouse.
    long order = 1;
    for (int commit = 0; commit < 3; commit++) {
      List<Record> rows = new ArrayList<>();
      for (int day = commit * 2; day < commit * 2 + 2; day++) {
        rows.add(
            Orders.order(
                source, order, "eu-west", "NEW", BigDecimal.TEN, OCT_1.plusDays(day).plusHours(3)));
        written.add(order++);
      }
      writer.append(source, rows);
    }
  }

  @AfterAll
  void stop() {
    if (receiver != null) {
      receiver.close();
    }
    if (stack != null) {
      List<ServiceProcess> services = stack.services();
      stack.close();
      assertThat(services)
          .as("services still alive after the stack closed")
          .noneMatch(ServiceProcess::isAlive);
    }
  }

  /**
   * Two triggers read one capture: the pins of its source snapshots stay until both have run past
   * them, then go in one metadata commit; a capture of the same table that no trigger reads keeps
   * its pins; and the source's own expiry then removes what was released.
   */
  @Test
  @Timeout(180)
  void pinsAreReleasedOnceEveryTriggerReadingTheCaptureHasRunPastThem() throws Exception {
    String table = name + "_pins";
    String cap = "pins-" + id;
    String unread = "unread-" + id;
    String fast = "fast-" + id;
    String slow = "slow-" + id;
    URI captures = stack.service("change-capture-service").url();
    URI triggers = stack.service("trigger-service").url();
    List<String> slowRuns = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (JobServer jobs =
        JobServer.start(2)
            .on(
                "/fast",
                call -> Reply.of(202),
                call -> operator.report(triggers, call.runId(), "{\"status\": \"succeeded\"}"))
            .on("/slow", call -> Reply.of(202), call -> slowRuns.add(call.runId()))) {
      TableWriter writer = new TableWriter(catalog);
      Table pinned =
          writer.createOrLoad(TableIdentifier.of("demo", table), Orders.SCHEMA, Orders.BY_DAY);
      // Pins are commits on the table too: the writer's appends may lose a race to one.
      pinned.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "20").commit();
      for (String capture : List.of(cap, unread)) {
        assertThat(
                admin.post(
                    captures.resolve("/captures"),
                    "{\"id\": \"%s\", \"table\": \"demo.%s\"}".formatted(capture, table)))
            .isEqualTo(201);
      }
      // The slow trigger forms no run by itself: one is asked for once it has seen the three
      // commits, so that one run holds them all.
      for (String[] t :
          List.of(new String[] {fast, "PT1S", "/fast"}, new String[] {slow, "PT1H", "/slow"})) {
        assertThat(
                admin.post(
                    triggers.resolve("/triggers"),
                    ("{\"id\": \"%s\", \"inputs\": [{\"capture\": \"%s\"}], \"quietPeriod\": \"%s\","
                            + " \"launcher\": {\"type\": \"webhook\", \"url\": \"%s\"}}")
                        .formatted(t[0], cap, t[1], jobs.url(t[2]))))
            .isEqualTo(201);
      }
      assertThat(
              admin.post(
                  stack.service("commit-listener").url().resolve("/watches"),
                  "{\"table\": \"demo." + table + "\"}"))
          .isIn(200, 201);
      List<Long> s = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        s.add(
            writer
                .append(
                    pinned,
                    List.of(
                        Orders.order(
                            pinned, i, "eu-west", "NEW", BigDecimal.ONE, OCT_1.plusDays(i))))
                .snapshotId());
      }

      // The fast trigger ran all three; the slow one has seen them, pending, and needs them all.
      await("the fast trigger past the three commits, the slow one needing all three")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                JsonNode readers = captureView(captures, cap).path("readers");
                return readers.path(fast).size() == 1
                    && readers.path(fast).get(0).asLong() == s.get(2)
                    && readers.path(slow).size() == 3;
              });
      assertThat(operator.post(triggers.resolve("/triggers/" + slow + "/run"), "")).isEqualTo(202);
      await("the slow trigger's one run of the three, held by its job")
          .atMost(Duration.ofSeconds(30))
          .until(() -> slowRuns.size() == 1);
      awaitMaintenancePasses(captures, 2);
      assertThat(pins(pinned, cap))
          .as("pins while the slow trigger still needs them")
          .containsExactlyInAnyOrderElementsOf(s);

      operator.report(triggers, slowRuns.get(0), "{\"status\": \"succeeded\"}");
      await("the first two pins released")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> pins(pinned, cap).equals(Set.of(s.get(2))));
      assertThat(pins(pinned, unread))
          .as("a capture no trigger reads keeps its pins")
          .containsExactlyInAnyOrderElementsOf(s);
      assertThat(releaseCommits(pinned, cap))
          .as("metadata commits that released the capture's pins, with what each released")
          .containsExactly(Set.of(s.get(0), s.get(1)));
      // The counter moves just after the commit that the wait above saw.
      await("floe_capture_pins_released_total of the capture, consumed")
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          operator
                              .get(captures.resolve("/q/metrics"))
                              .body()
                              .lines()
                              .filter(l -> l.startsWith("floe_capture_pins_released_total{"))
                              .filter(
                                  l ->
                                      l.contains("capture=\"" + cap + "\"")
                                          && l.contains("reason=\"consumed\""))
                              .map(l -> l.substring(l.lastIndexOf(' ') + 1)))
                      .containsExactly("2.0"));

      // Deleting the unread capture releases its pins; the source's own expiry (metadata only: no
      // source file is ever deleted) then removes the released snapshots.
      assertThat(admin.send("DELETE", captures.resolve("/captures/" + unread), null).statusCode())
          .isIn(200, 204);
      pinned.refresh();
      TableWriter.expireUnreferenced(pinned);
      assertThat(s.stream().filter(x -> pinned.snapshot(x) != null).toList())
          .containsExactly(s.get(2));
    }
  }

  private JsonNode captureView(URI captures, String capture) throws IOException {
    return JSON.readTree(operator.get(captures.resolve("/captures/" + capture)).body());
  }

  /** Waits until {@code count} maintenance passes began after this call and ended. */
  private void awaitMaintenancePasses(URI captures, int count) {
    double start = passes(captures);
    await(count + " maintenance passes")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> passes(captures) >= start + count);
  }

  private double passes(URI captures) {
    return operator
        .get(captures.resolve("/q/metrics"))
        .body()
        .lines()
        .filter(l -> l.startsWith("floe_capture_maintenance_passes_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** The source snapshots {@code capture} pins now. */
  private static Set<Long> pins(Table source, String capture) {
    source.refresh();
    Set<Long> ids = new java.util.HashSet<>();
    source
        .refs()
        .forEach(
            (tag, ref) -> {
              if (tag.equals("floe-pin-" + capture + "-" + ref.snapshotId())) {
                ids.add(ref.snapshotId());
              }
            });
    return ids;
  }

  /**
   * From the source's metadata log, each commit that removed pins of {@code capture}: the snapshots
   * whose pins it removed.
   */
  private static List<Set<Long>> releaseCommits(Table source, String capture) {
    source.refresh();
    TableMetadata current = ((HasTableOperations) source).operations().current();
    List<TableMetadata> log = new ArrayList<>();
    for (TableMetadata.MetadataLogEntry entry : current.previousFiles()) {
      log.add(TableMetadataParser.read(source.io(), entry.file()));
    }
    log.add(current);
    List<Set<Long>> commits = new ArrayList<>();
    for (int i = 1; i < log.size(); i++) {
      Set<Long> removed = new java.util.TreeSet<>();
      Map<String, SnapshotRef> after = log.get(i).refs();
      log.get(i - 1)
          .refs()
          .forEach(
              (tag, ref) -> {
                if (tag.equals("floe-pin-" + capture + "-" + ref.snapshotId())
                    && !after.containsKey(tag)) {
                  removed.add(ref.snapshotId());
                }
              });
      if (!removed.isEmpty()) {
        commits.add(removed);
      }
    }
    return commits;
  }

  @Test
  @Timeout(120)
  void theRunCommandsServicesSummaryTokensAndDemoWriterWork() throws Exception {
    List<ServiceProcess> services = stack.services();
    assertThat(services)
        .extracting(ServiceProcess::name)
        .containsExactlyElementsOf(LocalStack.SERVICES);
    for (ServiceProcess service : services) {
      HttpResponse<String> ready =
          StackHttp.anonymous().get(service.url().resolve("/q/health/ready"));
      assertThat(ready.statusCode()).as(service.name()).isEqualTo(200);
      assertThat(ready.body()).contains("\"status\": \"UP\"").contains("iceberg-catalog");
    }
    assertThat(stack.summary())
        .contains(stack.kafka().bootstrapServers())
        .contains(services.get(0).url().toString())
        .contains("demo.orders")
        .contains("with push hints to commit-listener")
        .contains(stack.tokenFile("admin").getParent().toString());

    // The summary's token files work as printed; without a token the API refuses (401).
    URI watches = services.get(0).url().resolve("/watches");
    String token = Files.readString(stack.tokenFile("admin")).strip();
    assertThat(StackHttp.withToken(token).get(watches).statusCode()).isEqualTo(200);
    assertThat(StackHttp.anonymous().get(watches).statusCode()).isEqualTo(401);

    // The demo writer's commits reach the catalog, and the listener publishes each of them.
    try (EventTap snapshots = new EventTap(stack.kafka().bootstrapServers(), Topics.SNAPSHOTS)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                snapshots.poll(Duration.ofMillis(200));
                return demoEvents(snapshots).size() >= 3;
              });
      Table orders = catalog.loadTable(Orders.DEMO);
      assertThat(demoEvents(snapshots))
          .allSatisfy(e -> assertThat(orders.snapshot(e.snapshotId())).isNotNull());
    }
  }

  private static List<SnapshotCommitted> demoEvents(EventTap tap) {
    return tap.payloads(
        SnapshotCommitted.class, s -> s.table().qualifiedName().equals(Orders.DEMO.toString()));
  }

  @Test
  @Timeout(180)
  void aCommitOnTheS3WarehouseIsCapturedAndRun() {
    assertThat(source.location()).startsWith("s3://");
    assertThat(source.currentSnapshot().addedDataFiles(source.io()))
        .allSatisfy(file -> assertThat(file.location()).startsWith("s3://"));

    await()
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> rowsByRun.values().stream().mapToInt(List::size).sum() >= written.size());
    List<Long> read = rowsByRun.values().stream().flatMap(List::stream).sorted().toList();
    assertThat(read).as("every committed row, read once from S3 ICDC states").isEqualTo(written);

    assertThat(icdcTables).isNotEmpty();
    for (TableIdentifier icdc : icdcTables) {
      assertThat(catalog.loadTable(icdc).location()).as("ICDC table %s", icdc).startsWith("s3://");
    }
  }

  @Test
  @Timeout(240)
  void everyDashboardPanelAndAlertRuleReturnsDataFromTheRunningServices() throws Exception {
    // What Prometheus would not see otherwise: dead letters, and a backfill in flight.
    poison();
    startHeldBackfill();

    Map<String, String> expressions = new LinkedHashMap<>();
    expressions.putAll(dashboardExpressions());
    expressions.putAll(ruleExpressions());
    assertThat(expressions).hasSizeGreaterThan(40);

    // The check itself can fail: a metric nobody exports has no data.
    assertThat(prometheus.query("floe_no_such_metric_total")).isEmpty();

    Map<String, String> missing = new ConcurrentHashMap<>(expressions);
    try {
      await()
          .atMost(Duration.ofSeconds(180))
          .pollInterval(Duration.ofSeconds(2))
          .until(
              () -> {
                missing.entrySet().removeIf(e -> !prometheus.query(e.getValue()).isEmpty());
                return missing.isEmpty();
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("expressions without data after 180 s: " + missing, e);
    }
    assertThat(prometheus.targets())
        .extracting(t -> t.path("labels").path("job").asText() + "=" + t.path("health").asText())
        .containsExactlyInAnyOrderElementsOf(
            LocalStack.SERVICES.stream().map(s -> s + "=up").toList());
  }

  @Test
  void prometheusConfigurationAndRulesPassPromtool() throws Exception {
    Path prometheusDir = repo.resolve(RepoPaths.PROMETHEUS);
    assertThat(promtool("check", "config", prometheusDir.resolve("prometheus.yml").toString()))
        .contains("SUCCESS");
    try (Stream<Path> rules = Files.list(prometheusDir.resolve("rules"))) {
      for (Path rule : rules.toList()) {
        assertThat(promtool("check", "rules", rule.toString())).contains("SUCCESS");
      }
    }
    try (Stream<Path> tests = Files.list(prometheusDir.resolve("tests"))) {
      for (Path test : tests.toList()) {
        assertThat(promtool("test", "rules", test.toString())).contains("SUCCESS");
      }
    }
  }

  /** Every panel query and template-variable query of every dashboard, made evaluable. */
  private Map<String, String> dashboardExpressions() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(repo.resolve(RepoPaths.GRAFANA_DASHBOARDS))) {
      for (Path file : files.sorted().toList()) {
        JsonNode dashboard = JSON.readTree(file.toFile());
        Map<String, String> variables = new LinkedHashMap<>();
        for (JsonNode variable : dashboard.path("templating").path("list")) {
          if (variable.path("type").asText().equals("datasource")) {
            continue; // which Prometheus to ask: the one here
          }
          variables.put(variable.path("name").asText(), variable.path("allValue").asText(".+"));
          Matcher m = LABEL_VALUES.matcher(variable.path("definition").asText());
          assertThat(m.find()).as("variable %s of %s", variable.path("name"), file).isTrue();
          out.put(file.getFileName() + " variable " + variable.path("name").asText(), m.group(1));
        }
        for (JsonNode panel : dashboard.path("panels")) {
          assertThat(panel.path("targets")).as("targets of %s", panel.path("title")).isNotEmpty();
          for (JsonNode target : panel.path("targets")) {
            String expr = target.path("expr").asText();
            for (Map.Entry<String, String> v : variables.entrySet()) {
              expr = expr.replace("$" + v.getKey(), v.getValue());
            }
            expr = expr.replace("$__rate_interval", "1m");
            assertThat(expr).as("unresolved variable in %s", file).doesNotContain("$");
            out.put(
                file.getFileName()
                    + " / "
                    + panel.path("title").asText()
                    + " / "
                    + target.path("refId").asText(),
                expr);
          }
        }
      }
    }
    return out;
  }

  /**
   * Every rule Prometheus loaded, made to return data whether or not it fires: a comparison gets
   * {@code bool} (0 or 1 for every series instead of a filter), and {@code absent(x)} is evaluated
   * as {@code x}, which has data exactly when {@code absent(x)} has none.
   */
  private Map<String, String> ruleExpressions() {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode group : prometheus.rules()) {
      for (JsonNode rule : group.path("rules")) {
        assertThat(rule.path("health").asText()).as(rule.path("name").asText()).isEqualTo("ok");
        out.put("rule " + rule.path("name").asText(), withBool(rule.path("query").asText()));
      }
    }
    assertThat(out).as("rules loaded from deploy/prometheus/rules").hasSizeGreaterThanOrEqualTo(10);
    return out;
  }

  /** Adds {@code bool} to each comparison outside label matchers, and unwraps {@code absent}. */
  static String withBool(String expr) {
    String unwrapped = expr.replaceAll("\\babsent\\(", "(");
    StringBuilder out = new StringBuilder();
    int braces = 0;
    boolean quoted = false;
    for (int i = 0; i < unwrapped.length(); i++) {
      char c = unwrapped.charAt(i);
      out.append(c);
      if (c == '"' && (i == 0 || unwrapped.charAt(i - 1) != '\\')) {
        quoted = !quoted;
      } else if (!quoted && c == '{') {
        braces++;
      } else if (!quoted && c == '}') {
        braces--;
      } else if (!quoted && braces == 0 && (c == '>' || c == '<' || c == '=' || c == '!')) {
        boolean two = i + 1 < unwrapped.length() && unwrapped.charAt(i + 1) == '=';
        if (c == '!' && !two || c == '=' && !two) {
          continue; // not a comparison
        }
        if (two) {
          out.append('=');
          i++;
        }
        if (!unwrapped.substring(i + 1).stripLeading().startsWith("bool")) {
          out.append(" bool");
        }
      }
    }
    return out.toString();
  }

  @Test
  void comparisonsGetBoolOnlyOutsideLabelMatchers() {
    assertThat(withBool("up{job=\"a\", x!=\"b\"} == 0"))
        .isEqualTo("up{job=\"a\", x!=\"b\"} == bool 0");
    assertThat(withBool("time() - max(x) > 7200")).isEqualTo("time() - max(x) > bool 7200");
    assertThat(withBool("absent(up{job=\"a\"})")).isEqualTo("(up{job=\"a\"})");
    assertThat(withBool("a >= b")).isEqualTo("a >= bool b");
    assertThat(withBool("a < bool b")).isEqualTo("a < bool b");
  }

  /** Undecodable records on two input topics: the capture and the listener dead-letter them. */
  private void poison() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
      byte[] garbage = "{not an event".getBytes(StandardCharsets.UTF_8);
      String key = stack.catalog().name() + ":demo." + name;
      producer.send(new ProducerRecord<>(Topics.SNAPSHOTS, key, garbage));
      producer.send(new ProducerRecord<>(Topics.HINTS, key, garbage));
      producer.flush();
    }
  }

  /** A backfill over the source's six days whose chunk runs the job never reports. */
  private void startHeldBackfill() {
    String body =
        ("{\"id\": \"bf-%s\", \"table\": \"demo.%s\", \"range\": {\"field\": \"order_ts\","
                + " \"from\": \"2026-10-01T00:00:00Z\", \"to\": \"2026-10-07T00:00:00Z\"},"
                + " \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"},"
                + " \"trigger\": \"backfill-%s\", \"concurrency\": 2}")
            .formatted(id, name, id);
    assertThat(admin.post(stack.service("backfill-service").url().resolve("/backfills"), body))
        .isEqualTo(201);
    String chunkRuns = "backfill-" + id + ".bf-" + id + ".";
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                receiver.calls().stream()
                    .filter(call -> call.path().equals("/hold"))
                    .anyMatch(call -> call.runId().startsWith(chunkRuns)));
  }

  private List<Long> read(JsonNode icdc) {
    icdcTables.add(IcdcStateRows.table(icdc));
    return IcdcStateRows.orderIds(catalog, icdc);
  }

  private static String promtool(String... args) throws Exception {
    Path promtool =
        PrometheusProcess.promtool()
            .orElseThrow(() -> new AssertionError("promtool missing: apt-get install prometheus"));
    List<String> command = new ArrayList<>(List.of(promtool.toString()));
    command.addAll(List.of(args));
    // Its output goes to a file, so that a hung promtool fails the wait instead of blocking a read.
    Path log = Files.createTempFile("promtool", ".log");
    Process process =
        ChildProcesses.register(
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    return output;
  }
}
