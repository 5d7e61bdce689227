package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.EventType;
import dev.floe.contracts.event.TableEvent;
import dev.floe.stack.LocalStack;
import dev.floe.stack.host.RepoPaths;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every metric a Grafana panel or a Prometheus alert rule reads exists before anything happens, so
 * that an alert can see the first increase and a panel shows 0 rather than "No data": the
 * service-wide ones on the freshly started services' {@code /q/metrics} (scraped by {@link
 * SharedStack} as soon as the services answered ready, before any test used them), and the ones of
 * a table, capture, trigger or backfill from its definition, before any commit reaches it.
 *
 * <p>The metrics are read from the dashboards and rules themselves: a panel or rule that names a
 * metric this test does not place fails it. A time that has not come yet (no change captured, no
 * pin) reads NaN, never 0, which would read as 1970.
 */
class MetricsAtStartIT {
  private static final Pattern METRIC = Pattern.compile("\\bfloe_[a-z0-9_]+");
  private static final OffsetDateTime OCT_1 =
      OffsetDateTime.of(2026, 10, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  /** On the service that exports it, from start. */
  private static final Map<String, List<String>> AT_START =
      Map.of(
          "commit-listener",
          List.of(
              "floe_listener_detection_latency_seconds_bucket",
              "floe_listener_events_published_total",
              "floe_dlq_records_total"),
          "change-capture-service",
          List.of("floe_capture_latency_seconds_bucket", "floe_dlq_records_total"),
          "trigger-service",
          List.of("floe_trigger_launch_latency_seconds_bucket", "floe_dlq_records_total"),
          "backfill-service",
          List.of(
              "floe_backfill_backfills",
              "floe_backfill_chunks",
              "floe_backfill_validation_failures_total",
              "floe_backfill_runs_requested_total",
              "floe_dlq_records_total"));

  /** By the label naming what they are about, from its definition. */
  private static final Map<String, List<String>> ONCE_DEFINED =
      Map.of(
          "table",
          List.of(
              "floe_listener_staleness_seconds",
              "floe_listener_catalog_errors_total",
              "floe_listener_last_commit_timestamp_seconds"),
          "capture",
          List.of(
              "floe_capture_changes_total",
              "floe_capture_states_omitted_total",
              "floe_capture_pinned_snapshots",
              "floe_capture_last_commit_timestamp_seconds",
              "floe_capture_last_capture_timestamp_seconds",
              "floe_capture_pin_expiry_timestamp_seconds"),
          "trigger",
          List.of(
              "floe_trigger_runs_total",
              "floe_trigger_runs_refused_total",
              "floe_trigger_run_duration_seconds_count",
              "floe_trigger_run_duration_seconds_sum",
              "floe_trigger_run_duration_seconds_max",
              "floe_trigger_pending_change_sets",
              "floe_trigger_lag_seconds",
              "floe_trigger_held"),
          "backfill",
          List.of(
              "floe_backfill_progress_ratio",
              "floe_backfill_last_progress_timestamp_seconds",
              "floe_backfill_pin_expiry_timestamp_seconds"));

  /** What each service dead-letters for, besides an event that does not decode. */
  private static final Map<String, List<String>> OWN_DEAD_LETTER_REASONS =
      Map.of(
          "commit-listener",
          List.of("oversized-hint", "malformed-hint"),
          "change-capture-service",
          List.of("capture-failed", "rows-unreadable"),
          "trigger-service",
          List.of("missing-key", "missing-value"),
          "backfill-service",
          List.of(
              "missing-key-or-value",
              "invalid-plan",
              "unknown-backfill",
              "another-plan",
              "page-out-of-turn"));

  @Test
  void everyMetricOfEveryPanelAndRuleIsPlaced() throws IOException {
    Set<String> placed = new TreeSet<>();
    AT_START.values().forEach(placed::addAll);
    ONCE_DEFINED.values().forEach(placed::addAll);
    assertThat(placed).isEqualTo(referenced());
  }

  @Test
  void serviceWideMetricsExistOnFreshlyStartedServices() {
    LocalStack stack = SharedStack.get();
    Map<String, String> fresh = SharedStack.metricsAtStart();
    for (Map.Entry<String, List<String>> service : AT_START.entrySet()) {
      Set<String> exported = names(fresh.get(service.getKey()));
      assertThat(exported)
          .as("%s's /q/metrics right after start", service.getKey())
          .containsAll(service.getValue());
    }
    for (Map.Entry<String, List<String>> own : OWN_DEAD_LETTER_REASONS.entrySet()) {
      List<String> reasons = new ArrayList<>(own.getValue());
      for (EventDecodingException.Reason reason : EventDecodingException.Reason.values()) {
        reasons.add(reason.code());
      }
      assertThat(values(fresh.get(own.getKey()), "floe_dlq_records_total", "reason"))
          .as("%s: every reason it dead-letters for, at zero", own.getKey())
          .containsOnlyKeys(reasons)
          .allSatisfy((reason, value) -> assertThat(value).isEqualTo("0.0"));
    }
    List<String> tableEvents =
        Stream.of(EventType.values())
            .filter(t -> TableEvent.class.isAssignableFrom(t.payloadClass()))
            .map(EventType::typeName)
            .toList();
    assertThat(values(fresh.get("commit-listener"), "floe_listener_events_published_total", "type"))
        .as("every event type the listener publishes, at zero")
        .containsOnlyKeys(tableEvents)
        .allSatisfy((type, value) -> assertThat(value).isEqualTo("0.0"));
    assertThat(stack.services()).hasSize(AT_START.size());
  }

  @Test
  @Timeout(180)
  void aDefinitionsMetricsExistBeforeAnythingReachesIt() throws Exception {
    LocalStack stack = SharedStack.get();
    StackHttp admin = StackHttp.as(stack, "admin");
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String name = "metrics_" + suffix;
    String capture = "metrics-" + suffix;
    String trigger = "metrics-" + suffix;
    String backfillTrigger = "metrics-bf-" + suffix;
    String backfill = "metrics-" + suffix;
    Table table =
        new TableWriter(stack.catalog().catalog())
            .createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
    // Rows for the backfill's two days, written before anything watches the table.
    new TableWriter(stack.catalog().catalog())
        .append(
            table,
            List.of(
                Orders.order(table, 1, "eu-west", "NEW", BigDecimal.ONE, OCT_1.plusHours(3)),
                Orders.order(
                    table, 2, "eu-west", "NEW", BigDecimal.ONE, OCT_1.plusDays(1).plusHours(3))));
    URI backfills = stack.service("backfill-service").url();
    try (JobServer jobs = JobServer.start(2).on("/hold", call -> Reply.of(202))) {
      try {
        defineAndCheck(admin, jobs, name, capture, trigger, backfillTrigger, backfill);
      } finally {
        // The shared stack goes on: the backfill's chunk runs would be retried against a job that
        // is gone.
        admin.post(backfills.resolve("/backfills/" + backfill + "/cancel"), "");
      }
    }
  }

  private void defineAndCheck(
      StackHttp admin,
      JobServer jobs,
      String name,
      String capture,
      String trigger,
      String backfillTrigger,
      String backfill) {
    LocalStack stack = SharedStack.get();
    URI listener = stack.service("commit-listener").url();
    URI captures = stack.service("change-capture-service").url();
    URI triggers = stack.service("trigger-service").url();
    URI backfills = stack.service("backfill-service").url();
    // From the table's current snapshot on: its history is not published.
    assertThat(
            admin.post(
                listener.resolve("/watches"),
                "{\"table\": \"demo.%s\", \"initialPosition\": \"latest\"}".formatted(name)))
        .isIn(200, 201);
    assertThat(
            admin.post(
                captures.resolve("/captures"),
                "{\"id\": \"%s\", \"table\": \"demo.%s\"}".formatted(capture, name)))
        .isEqualTo(201);
    String launcher = "{\"type\": \"webhook\", \"url\": \"" + jobs.url("/hold") + "\"}";
    assertThat(
            admin.post(
                triggers.resolve("/triggers"),
                "{\"id\": \"%s\", \"inputs\": [{\"capture\": \"%s\"}], \"launcher\": %s}"
                    .formatted(trigger, capture, launcher)))
        .isEqualTo(201);
    assertThat(
            admin.post(
                triggers.resolve("/triggers"),
                "{\"id\": \"%s\", \"inputs\": [{\"table\": \"demo.%s\"}], \"launcher\": %s}"
                    .formatted(backfillTrigger, name, launcher)))
        .isEqualTo(201);
    assertThat(
            admin.post(
                backfills.resolve("/backfills"),
                ("{\"id\": \"%s\", \"table\": \"demo.%s\", \"range\": {\"field\": \"order_ts\","
                        + " \"from\": \"2026-10-01T00:00:00Z\", \"to\":"
                        + " \"2026-10-03T00:00:00Z\"}, \"chunking\": {\"strategy\": \"day\","
                        + " \"field\": \"order_ts\"}, \"trigger\": \"%s\"}")
                    .formatted(backfill, name, backfillTrigger)))
        .isEqualTo(201);

    Map<String, URI> byLabel =
        Map.of(
            "table", listener,
            "capture", captures,
            "trigger", triggers,
            "backfill", backfills);
    Map<String, String> label =
        Map.of(
            "table", stack.catalog().name() + ":demo." + name,
            "capture", capture,
            "trigger", trigger,
            "backfill", backfill);
    Map<String, Set<String>> missing = new LinkedHashMap<>();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                missing.clear();
                for (Map.Entry<String, List<String>> kind : ONCE_DEFINED.entrySet()) {
                  String body = admin.get(byLabel.get(kind.getKey()).resolve("/q/metrics")).body();
                  String tag = kind.getKey() + "=\"" + label.get(kind.getKey()) + "\"";
                  for (String metric : kind.getValue()) {
                    boolean found =
                        body.lines().anyMatch(l -> l.startsWith(metric + "{") && l.contains(tag));
                    if (!found) {
                      missing.computeIfAbsent(kind.getKey(), k -> new TreeSet<>()).add(metric);
                    }
                  }
                }
                return missing.isEmpty();
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("metrics missing 60 s after their definitions: " + missing, e);
    }
    // Nothing reached the capture: its counters are there at zero, not counted.
    assertThat(admin.metric(captures, "floe_capture_changes_total", "capture=\"" + capture + "\""))
        .isNotEmpty()
        .allMatch(v -> v.equals("0.0"));
    assertThat(admin.metric(triggers, "floe_trigger_held", "trigger=\"" + trigger + "\""))
        .containsExactly("0.0");
  }

  /** Every {@code floe_*} metric a dashboard or alert rule names. */
  private static Set<String> referenced() throws IOException {
    Path repo = TestStacks.repo();
    Set<String> names = new HashSet<>();
    for (Path dir :
        List.of(repo.resolve(RepoPaths.GRAFANA_DASHBOARDS), RepoPaths.alertRules(repo))) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Matcher m = METRIC.matcher(Files.readString(file));
          while (m.find()) {
            names.add(m.group());
          }
        }
      }
    }
    assertThat(names).as("metrics named by the dashboards and rules").hasSizeGreaterThan(20);
    return new TreeSet<>(names);
  }

  /** The values of {@code metric} in an exposition, by the value of its {@code label}. */
  private static Map<String, String> values(String exposition, String metric, String label) {
    Pattern tag = Pattern.compile(label + "=\"([^\"]*)\"");
    Map<String, String> values = new LinkedHashMap<>();
    exposition
        .lines()
        .filter(l -> l.startsWith(metric + "{"))
        .forEach(
            l -> {
              Matcher m = tag.matcher(l);
              assertThat(m.find()).as(l).isTrue();
              values.put(m.group(1), l.substring(l.lastIndexOf(' ') + 1));
            });
    return values;
  }

  /** The metric names in a Prometheus exposition. */
  private static Set<String> names(String exposition) {
    Set<String> names = new HashSet<>();
    exposition
        .lines()
        .filter(l -> !l.startsWith("#") && !l.isBlank())
        .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
    return names;
  }
}
