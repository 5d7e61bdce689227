package dev.floe.catalog;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;

/**
 * Builds Iceberg catalogs from {@code floe.catalog.*} properties with Iceberg's own {@link
 * CatalogUtil#buildIcebergCatalog}. Stateless.
 */
public final class FloeCatalogs {
  /** The configuration prefix, for error messages that say what to change. */
  public static final String PREFIX = "floe.catalog.";

  public static final String NAME = "name";
  public static final String DEFAULT_NAME = "floe";

  private static final Pattern SECRET =
      Pattern.compile("(?i).*(password|secret|token|credential|private|access-key|auth).*");

  private FloeCatalogs() {}

  /**
   * Checks what can be checked without connecting.
   *
   * @throws IllegalArgumentException naming the property to set or fix
   */
  public static void validate(Map<String, String> properties) {
    String type = properties.get(CatalogUtil.ICEBERG_CATALOG_TYPE);
    String impl = properties.get(CatalogProperties.CATALOG_IMPL);
    if (type == null && impl == null) {
      throw new IllegalArgumentException(
          PREFIX
              + "type is not set: set it to rest, jdbc, glue, nessie, hive or hadoop, or set "
              + PREFIX
              + "catalog-impl to a Catalog class");
    }
    if (type != null && impl != null) {
      throw new IllegalArgumentException(
          "set either " + PREFIX + "type or " + PREFIX + "catalog-impl, not both");
    }
    if (type != null && !KNOWN_TYPES.containsKey(type.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          PREFIX + "type=" + type + " is not a catalog type: use one of " + KNOWN_TYPES.keySet());
    }
    if (type != null
        && KNOWN_TYPES.get(type.toLowerCase(Locale.ROOT))
        && !properties.containsKey(CatalogProperties.URI)) {
      throw new IllegalArgumentException(
          PREFIX + "uri is not set: a " + type + " catalog needs the address of its service");
    }
  }

  /** Iceberg's catalog types, each with whether it needs a {@code uri}. */
  private static final Map<String, Boolean> KNOWN_TYPES =
      new TreeMap<>(
          Map.of(
              CatalogUtil.ICEBERG_CATALOG_TYPE_REST,
              true,
              CatalogUtil.ICEBERG_CATALOG_TYPE_JDBC,
              true,
              CatalogUtil.ICEBERG_CATALOG_TYPE_GLUE,
              false,
              CatalogUtil.ICEBERG_CATALOG_TYPE_NESSIE,
              true,
              CatalogUtil.ICEBERG_CATALOG_TYPE_HIVE,
              false,
              CatalogUtil.ICEBERG_CATALOG_TYPE_HADOOP,
              false,
              "bigquery",
              false));

  /** The Iceberg properties: everything but Floe's own {@code name}. */
  public static Map<String, String> icebergProperties(Map<String, String> properties) {
    Map<String, String> iceberg = new TreeMap<>(properties);
    iceberg.remove(NAME);
    return iceberg;
  }

  /** Builds and initializes a catalog; for a REST catalog this calls the server. */
  public static Catalog build(String name, Map<String, String> properties) {
    Map<String, String> iceberg = icebergProperties(properties);
    validate(iceberg);
    return CatalogUtil.buildIcebergCatalog(name, iceberg, LocalFiles.configuration());
  }

  /** The properties with every secret-looking value masked, for logs. */
  public static Map<String, String> redacted(Map<String, String> properties) {
    Map<String, String> safe = new TreeMap<>();
    properties.forEach((k, v) -> safe.put(k, SECRET.matcher(k).matches() ? "****" : v));
    return safe;
  }
}
