package dev.floe.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/** Reading the deployment files under {@code deploy/}, and what every test knows about Floe. */
final class DeployFiles {
  /** The four services, as named in images, compose services and Kubernetes resources. */
  static final List<String> SERVICES =
      List.of("commit-listener", "change-capture-service", "trigger-service", "backfill-service");

  /** The root of each service's own {@code @ConfigMapping} group under {@code floe.}. */
  static final Map<String, String> OWN_PREFIX =
      Map.of(
          "commit-listener", "floe.listener.",
          "change-capture-service", "floe.capture.",
          "trigger-service", "floe.trigger.",
          "backfill-service", "floe.backfill.");

  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private DeployFiles() {}

  /** {@code deploy/}, as the build passes it; the working directory's parent otherwise. */
  static Path deployDir() {
    String dir = System.getProperty("floe.deploy.dir");
    Path path = dir != null ? Path.of(dir) : Path.of("..");
    return path.toAbsolutePath().normalize();
  }

  /** The project version, which the images are tagged with. */
  static String version() {
    return System.getProperty("floe.version", "0.1.0-SNAPSHOT");
  }

  /** Every non-empty YAML document of a file; a syntax error or a duplicate key throws. */
  static List<JsonNode> yamlDocuments(Path file) {
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode document = it.next();
        if (document != null && !document.isNull() && !document.isMissingNode()) {
          documents.add(document);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse " + file, e);
    }
    return documents;
  }

  static JsonNode yaml(Path file) {
    List<JsonNode> documents = yamlDocuments(file);
    if (documents.size() != 1) {
      throw new IllegalStateException(file + " has " + documents.size() + " documents, not 1");
    }
    return documents.get(0);
  }

  /** The YAML files under a folder, recursively, in name order. */
  static List<Path> yamlFiles(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Properties properties(String text) {
    Properties properties = new Properties();
    try {
      properties.load(new StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties;
  }

  static Properties properties(Path file) {
    try {
      return properties(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Whether every service accepts the key. Each service maps all of {@code floe.*} onto one
   * {@code @ConfigMapping}, and a {@code floe.*} key it does not know stops its start-up
   * (SRCFG00050), so a file shared by all four holds only keys all four know.
   */
  static boolean everyServiceAccepts(String key) {
    return key.equals("config_ordinal")
        || key.startsWith("kafka.")
        || key.startsWith("quarkus.")
        || key.startsWith("floe.catalog.")
        || key.startsWith("floe.auth.")
        || key.startsWith("mp.jwt.")
        || key.startsWith("smallrye.jwt.")
        || key.equals("floe.topics.partitions");
  }

  /** Whether {@code service} accepts the key: shared keys and its own group. */
  static boolean serviceAccepts(String service, String key) {
    return everyServiceAccepts(key) || key.startsWith(OWN_PREFIX.get(service));
  }

  /** The text of a field, or null when it is absent. */
  static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isMissingNode() || value.isNull() ? null : value.asText();
  }
}
