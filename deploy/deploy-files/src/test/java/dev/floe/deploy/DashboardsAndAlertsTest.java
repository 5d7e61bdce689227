package dev.floe.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboards import into any Grafana, and every alert rule has a Prometheus rule test
 * in which it fires and one in which it stays quiet (promtool runs them in {@code
 * ObservabilityIT}).
 */
@Tag("unit")
class DashboardsAndAlertsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DATASOURCE = "${datasource}";

  private static List<Path> dashboards() throws IOException {
    try (Stream<Path> files = Files.list(DeployFiles.deployDir().resolve("grafana/dashboards"))) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
  }

  /**
   * Each dashboard asks for its Prometheus in a data source variable and names no data source by
   * uid: imported into a Grafana whose Prometheus has another uid, every panel still has data.
   */
  @Test
  void everyDashboardTakesItsPrometheusFromADataSourceVariable() throws IOException {
    assertThat(dashboards()).hasSizeGreaterThanOrEqualTo(4);
    for (Path file : dashboards()) {
      JsonNode dashboard = JSON.readTree(file.toFile());
      List<JsonNode> variables = new ArrayList<>();
      dashboard.path("templating").path("list").forEach(variables::add);
      assertThat(variables)
          .as("%s: a data source variable of Prometheus, first", file.getFileName())
          .first()
          .satisfies(
              v -> {
                assertThat(v.path("name").asText()).isEqualTo("datasource");
                assertThat(v.path("type").asText()).isEqualTo("datasource");
                assertThat(v.path("query").asText()).isEqualTo("prometheus");
              });
      List<JsonNode> references = new ArrayList<>();
      collect(dashboard, references);
      assertThat(references).as("%s: data source references", file.getFileName()).isNotEmpty();
      assertThat(references)
          .as("%s: every data source reference goes through the variable", file.getFileName())
          .allSatisfy(
              ref -> {
                assertThat(ref.path("type").asText()).isEqualTo("prometheus");
                assertThat(ref.path("uid").asText()).isEqualTo(DATASOURCE);
              });
      for (JsonNode panel : dashboard.path("panels")) {
        assertThat(panel.path("datasource").path("uid").asText())
            .as("%s: panel %s", file.getFileName(), panel.path("title"))
            .isEqualTo(DATASOURCE);
      }
    }
  }

  private static void collect(JsonNode node, List<JsonNode> references) {
    node.fields()
        .forEachRemaining(
            field -> {
              if (field.getKey().equals("datasource")) {
                references.add(field.getValue());
              }
            });
    for (JsonNode child : node) {
      if (child.isContainerNode()) {
        collect(child, references);
      }
    }
  }

  @Test
  void everyAlertFiresInARuleTestAndStaysQuietInAnother() throws IOException {
    Path prometheus = DeployFiles.deployDir().resolve("prometheus");
    Set<String> alerts = new HashSet<>();
    try (Stream<Path> files = Files.list(prometheus.resolve("rules"))) {
      for (Path file : files.toList()) {
        for (JsonNode group : DeployFiles.yaml(file).path("groups")) {
          for (JsonNode rule : group.path("rules")) {
            if (rule.has("alert")) {
              alerts.add(rule.get("alert").asText());
            }
          }
        }
      }
    }
    Set<String> fires = new HashSet<>();
    Set<String> quiet = new HashSet<>();
    try (Stream<Path> files = Files.list(prometheus.resolve("tests"))) {
      for (Path file : files.toList()) {
        for (JsonNode test : DeployFiles.yaml(file).path("tests")) {
          for (JsonNode check : test.path("alert_rule_test")) {
            String name = check.path("alertname").asText();
            (check.path("exp_alerts").isEmpty() ? quiet : fires).add(name);
          }
        }
      }
    }
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
    assertThat(fires).as("alerts with a test in which they fire").containsAll(alerts);
    assertThat(quiet).as("alerts with a test in which they stay quiet").containsAll(alerts);
  }
}
