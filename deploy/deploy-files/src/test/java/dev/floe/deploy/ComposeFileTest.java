package dev.floe.deploy;

import static dev.floe.deploy.DeployFiles.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code deploy/compose/docker-compose.yml} and the shared config file it mounts. */
@Tag("unit")
class ComposeFileTest {
  private static final String SHARED_CONFIG = "./floe.properties";

  private static Path composeDir;
  private static JsonNode services;
  private static JsonNode compose;

  @BeforeAll
  static void parse() {
    composeDir = DeployFiles.deployDir().resolve("compose");
    compose = DeployFiles.yaml(composeDir.resolve("docker-compose.yml"));
    services = compose.path("services");
  }

  @Test
  void shouldRunKafkaInKraftModeWithoutZookeeper() {
    JsonNode kafka = services.path("kafka");
    assertThat(text(kafka, "image")).startsWith("apache/kafka:4.1.");
    Map<String, String> env = environment(kafka);
    assertThat(env.get("KAFKA_PROCESS_ROLES")).contains("broker").contains("controller");
    assertThat(env).containsKeys("KAFKA_CONTROLLER_QUORUM_VOTERS", "CLUSTER_ID");
    assertThat(env.get("KAFKA_ADVERTISED_LISTENERS")).contains("://kafka:9092");
    for (String name : serviceNames()) {
      assertThat(text(services.path(name), "image")).doesNotContainIgnoringCase("zookeeper");
      assertThat(environment(services.path(name)).keySet())
          .noneMatch(key -> key.toUpperCase().contains("ZOOKEEPER"));
    }
  }

  @Test
  void shouldRunIcebergRestCatalogOnTheS3StoreWithItsBucketCreatedFirst() {
    String catalog = serviceWithImage("apache/iceberg-rest-fixture");
    String store = serviceWithImage("s3proxy");
    Map<String, String> env = environment(services.path(catalog));
    assertThat(env.get("CATALOG_IO__IMPL")).isEqualTo("org.apache.iceberg.aws.s3.S3FileIO");
    assertThat(URI.create(env.get("CATALOG_S3_ENDPOINT")).getHost()).isEqualTo(store);
    String bucket = URI.create(env.get("CATALOG_WAREHOUSE")).getHost();

    List<String> initSteps =
        dependencies(services.path(catalog)).entrySet().stream()
            .filter(d -> d.getValue().equals("service_completed_successfully"))
            .map(Map.Entry::getKey)
            .toList();
    assertThat(initSteps).as("the catalog waits for a completed init step").hasSize(1);
    JsonNode init = services.path(initSteps.get(0));
    assertThat(dependencies(init)).containsEntry(store, "service_healthy");
    assertThat(init.path("command").toString()).contains("mb s3://" + bucket);
    assertThat(services.path(store).has("healthcheck")).isTrue();
  }

  @Test
  void shouldRunEveryFloeServiceFromItsImageWithTheSharedConfigAndReadinessCheck() {
    for (String service : DeployFiles.SERVICES) {
      JsonNode node = services.path(service);
      assertThat(node.isObject()).as(service).isTrue();
      assertThat(text(node, "image")).isEqualTo("floe/" + service + ":" + DeployFiles.version());

      String mountedAt = mountTarget(node, SHARED_CONFIG);
      assertThat(mountedAt).as(service + " mounts " + SHARED_CONFIG).isNotNull();
      assertThat(environment(node).get("QUARKUS_CONFIG_LOCATIONS")).isEqualTo(mountedAt);

      JsonNode check = node.path("healthcheck").path("test");
      assertThat(check.toString()).as(service).contains("http://localhost:8080/q/health/ready");
      assertThat(dependencies(node))
          .as(service)
          .containsEntry("kafka", "service_healthy")
          .containsEntry(serviceWithImage("apache/iceberg-rest-fixture"), "service_healthy");
    }
  }

  @Test
  void shouldGiveTheServicesOnlyKeysEveryOneOfThemAccepts() {
    Properties shared = DeployFiles.properties(composeDir.resolve(SHARED_CONFIG));
    assertThat(shared.stringPropertyNames()).allMatch(DeployFiles::everyServiceAccepts);

    assertThat(shared.getProperty("floe.catalog.type")).isEqualTo("rest");
    String catalog = serviceWithImage("apache/iceberg-rest-fixture");
    assertThat(URI.create(shared.getProperty("floe.catalog.uri")).getHost()).isEqualTo(catalog);
    assertThat(shared.getProperty("floe.catalog.io-impl"))
        .isEqualTo("org.apache.iceberg.aws.s3.S3FileIO");
    assertThat(URI.create(shared.getProperty("floe.catalog.s3.endpoint")).getHost())
        .isEqualTo(serviceWithImage("s3proxy"));
    assertThat(shared.getProperty("floe.catalog.s3.path-style-access")).isEqualTo("true");
    assertThat(shared)
        .containsKeys(
            "floe.catalog.s3.access-key-id",
            "floe.catalog.s3.secret-access-key",
            "floe.catalog.client.region");
    assertThat(shared.getProperty("kafka.bootstrap.servers")).isEqualTo("kafka:9092");
  }

  @Test
  void shouldKeepEachServiceSpecificSettingInThatServicesEnvironment() {
    for (String service : DeployFiles.SERVICES) {
      String own = DeployFiles.OWN_PREFIX.get(service).replace('.', '_').toUpperCase();
      for (String other : DeployFiles.SERVICES) {
        if (!other.equals(service)) {
          assertThat(environment(services.path(other)).keySet())
              .as(other + " gets no settings of " + service)
              .noneMatch(key -> key.startsWith(own));
        }
      }
    }
    assertThat(environment(services.path("trigger-service"))).containsKey("FLOE_TRIGGER_STATE_DIR");
    assertThat(environment(services.path("backfill-service")))
        .containsKey("FLOE_BACKFILL_STATE_DIR");
  }

  @Test
  void shouldRunPrometheusAndGrafanaWithTheRepositorysConfiguration() {
    assertThat(text(services.path("prometheus"), "image")).startsWith("prom/prometheus:");
    assertThat(mountTarget(services.path("prometheus"), "../prometheus/prometheus.yml"))
        .isEqualTo("/etc/prometheus/prometheus.yml");
    assertThat(mountTarget(services.path("prometheus"), "../prometheus/rules"))
        .isEqualTo("/etc/prometheus/rules");
    assertThat(text(services.path("grafana"), "image")).startsWith("grafana/grafana:");
    assertThat(mountTarget(services.path("grafana"), "../grafana/provisioning"))
        .isEqualTo("/etc/grafana/provisioning");
    assertThat(mountTarget(services.path("grafana"), "../grafana/dashboards"))
        .isEqualTo("/var/lib/grafana/dashboards");
  }

  @Test
  void shouldScrapeOnlyServicesOfTheStack() {
    JsonNode prometheus = DeployFiles.yaml(composeDir.resolve("../prometheus/prometheus.yml"));
    List<String> jobs = new ArrayList<>();
    for (JsonNode job : prometheus.path("scrape_configs")) {
      jobs.add(text(job, "job_name"));
      for (JsonNode config : job.path("static_configs")) {
        for (JsonNode target : config.path("targets")) {
          String host = target.asText().substring(0, target.asText().indexOf(':'));
          assertThat(serviceNames()).as("scrape target " + target).contains(host);
        }
      }
    }
    assertThat(jobs).containsAll(DeployFiles.SERVICES);
  }

  @Test
  void shouldMountOnlyFilesThatExistAndVolumesThatAreDeclared() {
    int mounts = 0;
    for (String name : serviceNames()) {
      for (JsonNode volume : services.path(name).path("volumes")) {
        String source = volume.asText().split(":")[0];
        if (source.startsWith(".") || source.startsWith("/")) {
          assertThat(composeDir.resolve(source).normalize())
              .as(name + " mounts " + source)
              .exists();
        } else {
          assertThat(compose.path("volumes").has(source)).as(name + " volume " + source).isTrue();
        }
        mounts++;
      }
    }
    assertThat(mounts).isGreaterThanOrEqualTo(DeployFiles.SERVICES.size() + 4);
  }

  private static List<String> serviceNames() {
    List<String> names = new ArrayList<>();
    services.properties().forEach(e -> names.add(e.getKey()));
    return names;
  }

  private static String serviceWithImage(String image) {
    List<String> matching =
        serviceNames().stream()
            .filter(name -> String.valueOf(text(services.path(name), "image")).contains(image))
            .toList();
    assertThat(matching).as("services with image " + image).hasSize(1);
    return matching.get(0);
  }

  /** The environment, whether written as a map or as a list of {@code KEY=value}. */
  private static Map<String, String> environment(JsonNode service) {
    Map<String, String> env = new HashMap<>();
    JsonNode node = service.path("environment");
    if (node.isArray()) {
      for (JsonNode entry : node) {
        String[] pair = entry.asText().split("=", 2);
        env.put(pair[0], pair.length > 1 ? pair[1] : "");
      }
    } else {
      node.properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    }
    return env;
  }

  /** depends_on as service to condition; the short list form means service_started. */
  private static Map<String, String> dependencies(JsonNode service) {
    Map<String, String> dependencies = new HashMap<>();
    JsonNode node = service.path("depends_on");
    if (node.isArray()) {
      node.forEach(d -> dependencies.put(d.asText(), "service_started"));
    } else {
      node.properties()
          .forEach(
              e ->
                  dependencies.put(
                      e.getKey(), e.getValue().path("condition").asText("service_started")));
    }
    return dependencies;
  }

  /** Where a service mounts {@code source}, or null. */
  private static String mountTarget(JsonNode service, String source) {
    return StreamSupport.stream(service.path("volumes").spliterator(), false)
        .map(v -> v.asText().split(":"))
        .filter(parts -> parts[0].equals(source))
        .map(parts -> parts[1])
        .findFirst()
        .orElse(null);
  }
}
