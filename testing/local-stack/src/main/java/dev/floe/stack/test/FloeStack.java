package dev.floe.stack.test;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.kafka.KafkaBroker;
import dev.floe.stack.writer.TableWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The infrastructure of one test run: a real broker, a real catalog and a writer for it. Work files
 * go under {@code target/floe-test/}, which {@code mvn clean} removes; nothing is deleted while
 * tests run.
 */
public final class FloeStack implements AutoCloseable {
  private final KafkaBroker kafka;
  private final CatalogFixture catalog;
  private final TableWriter writer;

  private FloeStack(KafkaBroker kafka, CatalogFixture catalog) {
    this.kafka = kafka;
    this.catalog = catalog;
    this.writer = new TableWriter(catalog.catalog());
  }

  /** Starts an embedded broker and a catalog of {@code kind}. */
  public static FloeStack start(CatalogKind kind) {
    Path home = workDir(kind.name().toLowerCase(Locale.ROOT));
    EmbeddedKafka kafka = EmbeddedKafka.start();
    try {
      return new FloeStack(kafka, CatalogFixture.start(kind, home));
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  /** A new directory under {@code target/floe-test/}, unique to the caller. */
  public static Path workDir(String prefix) {
    return Path.of(
            "target", "floe-test", prefix + "-" + UUID.randomUUID().toString().substring(0, 8))
        .toAbsolutePath();
  }

  public KafkaBroker kafka() {
    return kafka;
  }

  public CatalogFixture catalog() {
    return catalog;
  }

  public TableWriter writer() {
    return writer;
  }

  /** The configuration a Floe service needs to run on this stack. */
  public Map<String, String> serviceConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    config.putAll(catalog.floeConfig());
    return config;
  }

  @Override
  public void close() {
    try {
      catalog.close();
    } finally {
      kafka.close();
    }
  }
}
