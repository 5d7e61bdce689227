package dev.floe.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FloeCatalogsTest {

  @Test
  void shouldNameThePropertyToSetWhenNoCatalogIsConfigured() {
    assertThatThrownBy(() -> FloeCatalogs.validate(Map.of("uri", "http://catalog:8181")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("floe.catalog.type is not set")
        .hasMessageContaining("floe.catalog.catalog-impl");
  }

  @Test
  void shouldRejectAnUnknownCatalogType() {
    assertThatThrownBy(() -> FloeCatalogs.validate(Map.of("type", "oracle")))
        .hasMessageContaining("floe.catalog.type=oracle is not a catalog type")
        .hasMessageContaining("rest");
  }

  @Test
  void shouldRequireTheUriOfCatalogsThatAreServices() {
    assertThatThrownBy(() -> FloeCatalogs.validate(Map.of("type", "jdbc")))
        .hasMessageContaining("floe.catalog.uri is not set");
    FloeCatalogs.validate(Map.of("type", "glue"));
  }

  @Test
  void shouldRejectTypeAndImplementationTogether() {
    assertThatThrownBy(
            () ->
                FloeCatalogs.validate(
                    Map.of("type", "rest", "uri", "http://x", "catalog-impl", "com.example.Cat")))
        .hasMessageContaining("not both");
  }

  @Test
  void shouldKeepFloesOwnNameOutOfTheIcebergProperties() {
    assertThat(FloeCatalogs.icebergProperties(Map.of("name", "lake", "type", "rest")))
        .containsExactly(Map.entry("type", "rest"));
  }

  @Test
  void shouldMaskSecretsForLogs() {
    Map<String, String> safe =
        FloeCatalogs.redacted(
            Map.of(
                "uri", "jdbc:postgresql://db/iceberg",
                "jdbc.password", "hunter2",
                "s3.secret-access-key", "abc",
                "s3.access-key-id", "AKIA",
                "token", "t",
                "credential", "id:secret"));

    assertThat(safe.values()).doesNotContain("hunter2", "abc", "AKIA", "t", "id:secret");
    assertThat(safe).containsEntry("uri", "jdbc:postgresql://db/iceberg");
  }
}
