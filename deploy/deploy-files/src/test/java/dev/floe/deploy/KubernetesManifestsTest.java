package dev.floe.deploy;

import static dev.floe.deploy.DeployFiles.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floe.contracts.topic.Topics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The Kubernetes manifests under {@code deploy/k8s}. */
@Tag("unit")
class KubernetesManifestsTest {
  private static final String COMMON_CONFIG = "floe-common";
  private static final String CONFIG_FILE = "application.properties";

  private static final List<JsonNode> resources = new ArrayList<>();

  @BeforeAll
  static void parse() {
    for (Path file : DeployFiles.yamlFiles(DeployFiles.deployDir().resolve("k8s"))) {
      resources.addAll(DeployFiles.yamlDocuments(file));
    }
  }

  @Test
  void shouldParseEveryDocumentAsANamedResource() {
    assertThat(resources).isNotEmpty();
    Set<String> seen = new HashSet<>();
    for (JsonNode resource : resources) {
      assertThat(text(resource, "apiVersion")).as(resource.toString()).isNotBlank();
      assertThat(text(resource, "kind")).as(resource.toString()).isNotBlank();
      String name = text(resource.path("metadata"), "name");
      assertThat(name).as(resource.toString()).isNotBlank();
      assertThat(seen.add(text(resource, "kind") + "/" + name)).as("unique " + name).isTrue();
    }
  }

  @Test
  void shouldProbeEveryServicesHealthEndpoints() {
    for (String service : DeployFiles.SERVICES) {
      JsonNode container = container(service);
      assertThat(text(container, "image"))
          .isEqualTo("floe/" + service + ":" + DeployFiles.version());
      assertThat(probePath(container, "livenessProbe")).as(service).isEqualTo("/q/health/live");
      assertThat(probePath(container, "readinessProbe")).as(service).isEqualTo("/q/health/ready");
      assertThat(probePath(container, "startupProbe")).as(service).startsWith("/q/health/");
      for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
        assertThat(containerPort(container, container.path(probe).path("httpGet").path("port")))
            .as(service + " " + probe + " port")
            .isEqualTo(8080);
      }
      assertThat(container.path("resources").path("requests").has("memory")).isTrue();
      assertThat(container.path("resources").path("limits").has("memory")).isTrue();
    }
  }

  @Test
  void shouldLetPrometheusScrapeEveryService() {
    for (String service : DeployFiles.SERVICES) {
      JsonNode annotations = deployment(service).path("spec").path("template").path("metadata");
      annotations = annotations.path("annotations");
      assertThat(text(annotations, "prometheus.io/scrape")).as(service).isEqualTo("true");
      assertThat(text(annotations, "prometheus.io/path")).as(service).isEqualTo("/q/metrics");
      assertThat(text(annotations, "prometheus.io/port")).as(service).isEqualTo("8080");
    }
  }

  /** An older backfill-service can't read the store a newer one writes: no rolling update. */
  @Test
  void shouldStopEveryOldBackfillServiceBeforeANewOneStarts() {
    assertThat(text(deployment("backfill-service").path("spec").path("strategy"), "type"))
        .isEqualTo("Recreate");
  }

  @Test
  void shouldExposeEveryServiceOnItsPodsHttpPort() {
    for (String service : DeployFiles.SERVICES) {
      JsonNode svc = resource("Service", service);
      JsonNode deployment = deployment(service);
      JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");
      JsonNode selector = svc.path("spec").path("selector");
      assertThat(selector.size()).as(service + " selector").isPositive();
      selector
          .properties()
          .forEach(
              e ->
                  assertThat(text(podLabels, e.getKey()))
                      .as(service + " pods carry " + e.getKey())
                      .isEqualTo(e.getValue().asText()));
      assertThat(deployment.path("spec").path("selector").path("matchLabels"))
          .as(service + " Deployment selector")
          .isEqualTo(selector);
      JsonNode port = svc.path("spec").path("ports").get(0);
      assertThat(containerPort(container(service), port.path("targetPort")))
          .as(service + " Service targetPort")
          .isEqualTo(8080);
    }
  }

  @Test
  void shouldReadEachServicesConfigFilesFromItsConfigMaps() {
    for (String service : DeployFiles.SERVICES) {
      JsonNode pod = deployment(service).path("spec").path("template").path("spec");
      JsonNode container = container(service);
      Map<String, String> configMapsByMount = configMapsByMountPath(pod, container);
      assertThat(configMapsByMount)
          .as(service + " mounts")
          .containsValues(COMMON_CONFIG, service + "-config");

      String locations = env(container).get("QUARKUS_CONFIG_LOCATIONS");
      assertThat(locations).as(service + " QUARKUS_CONFIG_LOCATIONS").isNotBlank();
      Set<String> read = new HashSet<>();
      for (String location : locations.split(",")) {
        Path file = Path.of(location.trim());
        String configMap = configMapsByMount.get(file.getParent().toString());
        assertThat(configMap).as(service + " reads " + location + " from a ConfigMap").isNotNull();
        assertThat(configFile(configMap)).as(configMap + " has " + file.getFileName()).isNotNull();
        assertThat(file.getFileName().toString()).isEqualTo(CONFIG_FILE);
        read.add(configMap);
      }
      assertThat(read).containsExactlyInAnyOrder(COMMON_CONFIG, service + "-config");
    }
  }

  @Test
  void shouldGiveEachServiceOnlyKeysItAccepts() {
    Properties common = DeployFiles.properties(configFile(COMMON_CONFIG));
    assertThat(common.stringPropertyNames()).allMatch(DeployFiles::everyServiceAccepts);
    assertThat(common).containsKeys("kafka.bootstrap.servers", "floe.catalog.type");
    for (String service : DeployFiles.SERVICES) {
      Properties own = DeployFiles.properties(configFile(service + "-config"));
      assertThat(own.stringPropertyNames())
          .as(service + "-config")
          .allMatch(key -> DeployFiles.serviceAccepts(service, key));
      // The service's own file must outrank the shared one.
      assertThat(Integer.parseInt(own.getProperty("config_ordinal")))
          .isGreaterThan(Integer.parseInt(common.getProperty("config_ordinal")));
    }
  }

  @Test
  void shouldKeepKafkaStreamsStateOnAMountedVolume() {
    Map<String, String> stateDirs =
        Map.of(
            "trigger-service",
            "floe.trigger.state-dir",
            "backfill-service",
            "floe.backfill.state-dir");
    stateDirs.forEach(
        (service, key) -> {
          String stateDir =
              DeployFiles.properties(configFile(service + "-config")).getProperty(key);
          assertThat(stateDir).as(service + " " + key).isNotBlank();
          JsonNode pod = deployment(service).path("spec").path("template").path("spec");
          Set<String> emptyDirs = new HashSet<>();
          for (JsonNode volume : pod.path("volumes")) {
            if (volume.has("emptyDir") || volume.has("persistentVolumeClaim")) {
              emptyDirs.add(text(volume, "name"));
            }
          }
          boolean mounted = false;
          for (JsonNode mount : container(service).path("volumeMounts")) {
            if (emptyDirs.contains(text(mount, "name"))
                && Path.of(stateDir).startsWith(Path.of(text(mount, "mountPath")))) {
              mounted = true;
            }
          }
          assertThat(mounted).as(service + " state dir " + stateDir + " on a volume").isTrue();
        });
  }

  @Test
  void shouldDeclareEveryTopicWithThePartitionsAndCleanupTheServicesCreate() {
    Properties common = DeployFiles.properties(configFile(COMMON_CONFIG));
    int partitions = Integer.parseInt(common.getProperty("floe.topics.partitions", "12"));
    Map<String, FloeTopics.Expected> expected = FloeTopics.expected(partitions);
    Map<String, JsonNode> declared = kafkaTopics();

    assertThat(declared.keySet())
        .as("KafkaTopics")
        .containsExactlyInAnyOrderElementsOf(expected.keySet());
    expected.forEach(
        (topic, shape) -> {
          JsonNode spec = declared.get(topic).path("spec");
          assertThat(spec.path("partitions").asInt())
              .as(topic + " partitions")
              .isEqualTo(shape.partitions());
          assertThat(text(spec.path("config"), "cleanup.policy"))
              .as(topic + " cleanup.policy")
              .isEqualTo(shape.cleanupPolicy());
        });
    // Co-partitioned pairs, as the services check them at start-up.
    assertThat(declared.get(Topics.RUNS).path("spec").path("partitions"))
        .isEqualTo(declared.get(FloeTopics.CHANGES_BY_TRIGGER).path("spec").path("partitions"));
    assertThat(declared.get(Topics.HINTS).path("spec").path("partitions"))
        .isEqualTo(declared.get(Topics.LISTENER_CHECKPOINTS).path("spec").path("partitions"));
  }

  @Test
  void shouldChooseRetentionForEveryTopicThatIsDeletedByTime() {
    kafkaTopics()
        .forEach(
            (topic, resource) -> {
              JsonNode config = resource.path("spec").path("config");
              if ("delete".equals(text(config, "cleanup.policy"))) {
                assertThat(text(config, "retention.ms")).as(topic + " retention.ms").isNotNull();
                assertThat(Long.parseLong(text(config, "retention.ms")))
                    .as(topic + " retention.ms")
                    .isPositive();
              } else {
                assertThat(config.has("retention.ms")).as(topic + " is compacted only").isFalse();
              }
            });
  }

  @Test
  void shouldBindEveryKafkaTopicToOneStrimziCluster() {
    Set<String> clusters = new HashSet<>();
    for (JsonNode topic : kafkaTopics().values()) {
      assertThat(text(topic, "apiVersion")).isEqualTo("kafka.strimzi.io/v1beta2");
      String cluster = text(topic.path("metadata").path("labels"), "strimzi.io/cluster");
      assertThat(cluster).as(text(topic.path("metadata"), "name")).isNotBlank();
      clusters.add(cluster);
    }
    assertThat(clusters).hasSize(1);
  }

  /** KafkaTopics by topic name: spec.topicName, else metadata.name, as Strimzi reads them. */
  private static Map<String, JsonNode> kafkaTopics() {
    Map<String, JsonNode> topics = new HashMap<>();
    for (JsonNode resource : resources) {
      if ("KafkaTopic".equals(text(resource, "kind"))) {
        String name = text(resource.path("spec"), "topicName");
        if (name == null) {
          name = text(resource.path("metadata"), "name");
        }
        assertThat(topics.put(name, resource)).as("one KafkaTopic for " + name).isNull();
      }
    }
    return topics;
  }

  private static JsonNode resource(String kind, String name) {
    List<JsonNode> matching =
        resources.stream()
            .filter(r -> kind.equals(text(r, "kind")))
            .filter(r -> name.equals(text(r.path("metadata"), "name")))
            .toList();
    assertThat(matching).as(kind + "/" + name).hasSize(1);
    return matching.get(0);
  }

  private static JsonNode deployment(String service) {
    return resource("Deployment", service);
  }

  private static JsonNode container(String service) {
    for (JsonNode container :
        deployment(service).path("spec").path("template").path("spec").path("containers")) {
      if (service.equals(text(container, "name"))) {
        return container;
      }
    }
    throw new AssertionError("Deployment " + service + " has no container " + service);
  }

  private static String probePath(JsonNode container, String probe) {
    return text(container.path(probe).path("httpGet"), "path");
  }

  /** The container port a probe or Service port refers to, by name or number; -1 if none. */
  private static int containerPort(JsonNode container, JsonNode reference) {
    for (JsonNode port : container.path("ports")) {
      if (reference.isInt() && reference.asInt() == port.path("containerPort").asInt()) {
        return reference.asInt();
      }
      if (reference.isTextual() && reference.asText().equals(text(port, "name"))) {
        return port.path("containerPort").asInt();
      }
    }
    return -1;
  }

  private static Map<String, String> env(JsonNode container) {
    Map<String, String> env = new HashMap<>();
    for (JsonNode variable : container.path("env")) {
      env.put(text(variable, "name"), text(variable, "value"));
    }
    return env;
  }

  /** Mount path to ConfigMap name, for the container's ConfigMap volumes. */
  private static Map<String, String> configMapsByMountPath(JsonNode pod, JsonNode container) {
    Map<String, String> volumes = new HashMap<>();
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.has("configMap")) {
        volumes.put(text(volume, "name"), text(volume.path("configMap"), "name"));
      }
    }
    Map<String, String> mounts = new HashMap<>();
    for (JsonNode mount : container.path("volumeMounts")) {
      String configMap = volumes.get(text(mount, "name"));
      if (configMap != null) {
        mounts.put(text(mount, "mountPath"), configMap);
      }
    }
    return mounts;
  }

  /** The application.properties of a ConfigMap; the ConfigMap must exist. */
  private static String configFile(String configMap) {
    return text(resource("ConfigMap", configMap).path("data"), CONFIG_FILE);
  }
}
