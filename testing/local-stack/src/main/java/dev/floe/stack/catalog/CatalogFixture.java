package dev.floe.stack.catalog;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;

/**
 * One real catalog, ready to use: its standard Iceberg properties (what a Floe service is
 * configured with under {@code floe.catalog.*}) and a client built from them.
 *
 * <p>Each fixture is isolated: its own SQLite file, its own REST server, or on the shared
 * PostgreSQL database its own catalog name, since JdbcCatalog keys every row by catalog name.
 * Closing a fixture never deletes a table or a data file.
 *
 * <p>A JDBC catalog's warehouse can be on an {@link S3Store} instead of a local folder; see {@link
 * #start(CatalogKind, Path, S3Store)}.
 */
public final class CatalogFixture implements Closeable {
  public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
  public static final String POSTGRES_USER = "postgres";

  private final CatalogKind kind;
  private final String name;
  private final Map<String, String> properties;
  private final RestCatalogServer restServer;
  private final S3Store s3Store;
  private Catalog catalog;

  private CatalogFixture(
      CatalogKind kind,
      String name,
      Map<String, String> properties,
      RestCatalogServer server,
      S3Store s3Store) {
    this.kind = kind;
    this.name = name;
    this.properties = Map.copyOf(properties);
    this.restServer = server;
    this.s3Store = s3Store;
  }

  /** Starts a catalog of {@code kind} whose files live under {@code home}. */
  public static CatalogFixture start(CatalogKind kind, Path home) {
    return start(kind, home, null);
  }

  /**
   * Starts a JDBC catalog of {@code kind} whose warehouse is on {@code store}, written and read
   * through Iceberg's {@code S3FileIO}: {@code warehouse} is {@code s3://<bucket>/<home's
   * name>/warehouse}, and {@link #properties()} and {@link #floeConfig()} carry the store's {@link
   * S3Store#fileIoProperties()}. The catalog database still lives under {@code home}. Closing the
   * fixture leaves the store running: the caller owns it.
   *
   * @param store the object store, or null for a warehouse folder under {@code home}
   * @throws IllegalArgumentException for {@link CatalogKind#REST}, whose server keeps a local
   *     warehouse
   */
  public static CatalogFixture start(CatalogKind kind, Path home, S3Store store) {
    if (store != null && kind == CatalogKind.REST) {
      throw new IllegalArgumentException(
          "an S3 warehouse needs a JDBC catalog (SQLITE or POSTGRES): the REST catalog server"
              + " keeps its warehouse on local disk");
    }
    registerDrivers();
    try {
      Files.createDirectories(home);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + home, e);
    }
    Map<String, String> props = new LinkedHashMap<>();
    String warehouse =
        store == null
            ? home.resolve("warehouse").toAbsolutePath().toUri().toString()
            : store.location(home.getFileName() + "/warehouse");
    switch (kind) {
      case SQLITE -> {
        props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, CatalogUtil.ICEBERG_CATALOG_TYPE_JDBC);
        props.put("uri", "jdbc:sqlite:" + home.resolve("catalog.db").toAbsolutePath());
        props.put("warehouse", warehouse);
        props.put("jdbc.schema-version", "V1");
        // Several processes share the file: wait for a lock instead of failing, and let
        // readers proceed while one writes.
        props.put("jdbc.busy_timeout", "30000");
        props.put("jdbc.journal_mode", "WAL");
        putFileIo(props, store);
        return new CatalogFixture(kind, "lake", props, null, store);
      }
      case POSTGRES -> {
        checkPostgres();
        props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, CatalogUtil.ICEBERG_CATALOG_TYPE_JDBC);
        props.put("uri", POSTGRES_URL);
        props.put("jdbc.user", POSTGRES_USER);
        props.put("warehouse", warehouse);
        props.put("jdbc.schema-version", "V1");
        putFileIo(props, store);
        String name = "floe_" + UUID.randomUUID().toString().substring(0, 8);
        return new CatalogFixture(kind, name, props, null, store);
      }
      case REST -> {
        RestCatalogServer server = RestCatalogServer.start(home);
        props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, CatalogUtil.ICEBERG_CATALOG_TYPE_REST);
        props.put("uri", server.uri().toString());
        return new CatalogFixture(kind, "lake", props, server, null);
      }
      default -> throw new IllegalArgumentException("unknown catalog kind " + kind);
    }
  }

  private static void putFileIo(Map<String, String> props, S3Store store) {
    if (store != null) {
      props.putAll(store.fileIoProperties());
    }
  }

  /**
   * Registers the JDBC drivers with this class loader. DriverManager looks drivers up once per JVM;
   * a test JVM that ran a Quarkus app first may hold them only from that app's class loader.
   */
  private static void registerDrivers() {
    for (String driver : new String[] {"org.sqlite.JDBC", "org.postgresql.Driver"}) {
      try {
        DriverManager.registerDriver(
            (java.sql.Driver)
                Class.forName(driver, true, CatalogFixture.class.getClassLoader())
                    .getDeclaredConstructor()
                    .newInstance());
      } catch (ReflectiveOperationException | SQLException e) {
        throw new IllegalStateException("cannot load the JDBC driver " + driver, e);
      }
    }
  }

  private static void checkPostgres() {
    try (Connection c = DriverManager.getConnection(POSTGRES_URL, POSTGRES_USER, "")) {
      c.isValid(2);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "PostgreSQL does not answer at "
              + POSTGRES_URL
              + ": start it with 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'",
          e);
    }
  }

  public CatalogKind kind() {
    return kind;
  }

  /** The catalog's name, as Floe is configured with it ({@code floe.catalog.name}). */
  public String name() {
    return name;
  }

  /** The standard Iceberg catalog properties. */
  public Map<String, String> properties() {
    return properties;
  }

  /** Everything a Floe service needs under {@code floe.catalog.}: the name and the properties. */
  public Map<String, String> floeConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("floe.catalog.name", name);
    properties.forEach((k, v) -> config.put("floe.catalog." + k, v));
    return config;
  }

  /** A client of this catalog, built once with Iceberg's own {@code CatalogUtil}. */
  public synchronized Catalog catalog() {
    if (catalog == null) {
      catalog = CatalogUtil.buildIcebergCatalog(name, properties, new Configuration());
    }
    return catalog;
  }

  /** The REST server, for tests that stop and restart the catalog; null for JDBC catalogs. */
  public RestCatalogServer restServer() {
    return restServer;
  }

  /** The object store of an S3 warehouse, owned by the caller; null for a local warehouse. */
  public S3Store s3Store() {
    return s3Store;
  }

  /** The warehouse location: a {@code file:} URI, or an {@code s3://} location on the store. */
  public String warehouse() {
    return properties.get("warehouse");
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT)
        + " catalog "
        + name
        + (s3Store == null ? "" : " on " + s3Store);
  }

  @Override
  public synchronized void close() {
    if (catalog instanceof Closeable closeable) {
      try {
        closeable.close();
      } catch (IOException e) {
        // closing a client releases connections only; nothing to recover
      }
    }
    if (restServer != null) {
      restServer.close();
    }
  }
}
