package dev.floe.contracts.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Published schemas are pinned: downstream teams code against them, so none may change by accident.
 * When a change is compatible (an optional property added), update its line in {@code
 * published-schemas.sha256}. When it is not, bump the type's schemaVersion in {@link EventType},
 * add a new schema file and a new sample, and keep the old ones.
 */
@Tag("unit")
class PublishedSchemasTest {

  @Test
  void everyPublishedSchemaMatchesItsPinnedFingerprint() throws Exception {
    Map<String, String> pinned = readPins();
    Map<String, String> actual = new LinkedHashMap<>();
    Stream.concat(
            Stream.of("floe/schemas/envelope/v1.schema.json", "floe/schemas/common/v1.schema.json"),
            Stream.of(EventType.values()).map(EventType::schemaResource))
        .forEach(path -> actual.put(path, sha256(path)));

    assertThat(actual)
        .as(
            "schemas differ from published-schemas.sha256; see PublishedSchemasTest's javadoc."
                + " Current fingerprints:%n%s",
            actual.entrySet().stream()
                .map(e -> e.getValue() + "  " + e.getKey())
                .collect(Collectors.joining("\n")))
        .isEqualTo(pinned);
  }

  private static Map<String, String> readPins() throws IOException {
    Map<String, String> pins = new LinkedHashMap<>();
    try (InputStream in = resource("published-schemas.sha256")) {
      new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.isBlank() && !line.startsWith("#"))
          .forEach(line -> pins.put(line.substring(66).trim(), line.substring(0, 64)));
    }
    return pins;
  }

  private static String sha256(String path) {
    try (InputStream in = resource(path)) {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new AssertionError(path, e);
    }
  }

  private static InputStream resource(String path) {
    return Objects.requireNonNull(
        PublishedSchemasTest.class.getClassLoader().getResourceAsStream(path), path);
  }
}
