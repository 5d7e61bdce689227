package dev.floe.stack.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.aws.s3.S3FileIO;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A JdbcCatalog on SQLite whose warehouse is on S3Proxy, through Iceberg's own S3FileIO: what a
 * Floe service gets from configuration alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class S3StoreTest {
  private static final OffsetDateTime DAY1 =
      OffsetDateTime.of(2026, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC);

  private S3Store store;
  private CatalogFixture fixture;
  private Path home;

  @BeforeAll
  void startStoreAndCatalog() {
    store = S3Store.start(FloeStack.workDir("s3-store"));
    home = FloeStack.workDir("s3-catalog");
    fixture = CatalogFixture.start(CatalogKind.SQLITE, home, store);
  }

  @AfterAll
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private static TableIdentifier newOrdersId() {
    return TableIdentifier.of("s3", "orders_" + UUID.randomUUID().toString().substring(0, 8));
  }

  private Table newOrdersTable(TableIdentifier id) {
    return new TableWriter(fixture.catalog()).createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
  }

  private static List<Record> orders(Table table, long firstId, int count) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rows.add(
          Orders.order(
              table, firstId + i, "eu-west", "NEW", BigDecimal.valueOf(10 + i), DAY1.plusHours(i)));
    }
    return rows;
  }

  @Test
  void committedParquetAndMetadataLandInTheBucket() {
    Table table = newOrdersTable(newOrdersId());
    new TableWriter(fixture.catalog()).append(table, orders(table, 1, 12));

    assertThat(table.io()).isInstanceOf(S3FileIO.class);
    assertThat(table.location()).startsWith("s3://" + store.bucket() + "/");
    String prefix = table.location().substring(("s3://" + store.bucket() + "/").length());
    List<String> keys = store.keys(prefix);
    assertThat(keys)
        .anySatisfy(k -> assertThat(k).contains("/data/").endsWith(".parquet"))
        .anySatisfy(k -> assertThat(k).contains("/metadata/").endsWith(".metadata.json"))
        .anySatisfy(k -> assertThat(k).contains("/metadata/snap-").endsWith(".avro"));

    List<String> listed = new ArrayList<>();
    for (FileInfo file : ((S3FileIO) table.io()).listPrefix(table.location())) {
      listed.add(file.location());
    }
    assertThat(listed).hasSameSizeAs(keys).allSatisfy(l -> assertThat(l).startsWith("s3://"));

    List<DataFile> files = new ArrayList<>();
    table.currentSnapshot().addedDataFiles(table.io()).forEach(files::add);
    assertThat(files).hasSize(1);
    DataFile file = files.get(0);
    assertThat(file.location()).startsWith("s3://" + store.bucket() + "/");
    assertThat(keys).contains(file.location().substring(("s3://" + store.bucket() + "/").length()));
    int idField = table.schema().findField("order_id").fieldId();
    assertThat(bound(file.lowerBounds().get(idField))).isEqualTo(1L);
    assertThat(bound(file.upperBounds().get(idField))).isEqualTo(12L);
    assertThat(file.recordCount()).isEqualTo(12L);

    assertThat(Files.exists(home.resolve("warehouse")))
        .as("nothing is written to a local warehouse")
        .isFalse();
  }

  @Test
  void aServiceConfiguredFromFloeConfigReadsTheRowsBack() {
    TableIdentifier id = newOrdersId();
    Table written = newOrdersTable(id);
    new TableWriter(fixture.catalog()).append(written, orders(written, 100, 5));

    Map<String, String> config = fixture.floeConfig();
    assertThat(config)
        .containsEntry("floe.catalog.io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
        .containsEntry("floe.catalog.s3.endpoint", store.endpoint().toString())
        .containsEntry("floe.catalog.s3.path-style-access", "true")
        .containsEntry("floe.catalog.s3.access-key-id", store.accessKey())
        .containsEntry("floe.catalog.s3.secret-access-key", store.secretKey())
        .containsEntry("floe.catalog.client.region", "us-east-1")
        .containsEntry("floe.catalog.warehouse", fixture.warehouse());
    assertThat(fixture.warehouse()).startsWith("s3://" + store.bucket() + "/");

    // A second client, built as a service builds its own: from floe.catalog.* alone.
    Map<String, String> properties = new HashMap<>();
    config.forEach(
        (k, v) -> {
          if (!k.equals("floe.catalog.name")) {
            properties.put(k.substring("floe.catalog.".length()), v);
          }
        });
    Catalog service =
        CatalogUtil.buildIcebergCatalog(
            config.get("floe.catalog.name"), properties, new Configuration());
    try {
      assertThat(orderIds(service.loadTable(id))).containsExactly(100L, 101L, 102L, 103L, 104L);
    } finally {
      closeQuietly(service);
    }
  }

  @Test
  void objectsSurviveARestartAtTheSameEndpoint() {
    Table table = newOrdersTable(newOrdersId());
    new TableWriter(fixture.catalog()).append(table, orders(table, 1, 3));
    String endpoint = store.endpoint().toString();

    store.stop();
    assertThat(store.isRunning()).isFalse();
    store.start();

    assertThat(store.isRunning()).isTrue();
    assertThat(store.endpoint()).hasToString(endpoint);
    table.refresh();
    assertThat(orderIds(table)).containsExactly(1L, 2L, 3L);
  }

  @Test
  void closingAFixtureLeavesTheCallersStoreRunning() {
    CatalogFixture other =
        CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("s3-other"), store);
    other.catalog();
    other.close();

    assertThat(store.isRunning()).isTrue();
    assertThat(store.client().listBuckets().buckets())
        .anySatisfy(b -> assertThat(b.name()).isEqualTo(store.bucket()));
    assertThat(other.warehouse()).isNotEqualTo(fixture.warehouse());
  }

  @Test
  void aRestCatalogCannotTakeAnS3Warehouse() {
    assertThatThrownBy(
            () -> CatalogFixture.start(CatalogKind.REST, FloeStack.workDir("s3-rest"), store))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JDBC catalog");
  }

  private static long bound(ByteBuffer buffer) {
    return Conversions.fromByteBuffer(Types.LongType.get(), buffer);
  }

  private static Set<Long> orderIds(Table table) {
    Set<Long> ids = new TreeSet<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      rows.forEach(r -> ids.add((Long) r.getField("order_id")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ids;
  }

  private static void closeQuietly(Catalog catalog) {
    if (catalog instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        // releases connections only
      }
    }
  }
}
