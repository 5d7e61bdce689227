package dev.floe.icdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.model.TableRef;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.io.FileIO;

/**
 * Creates and keeps in step an ICDC table (a capture's, or the backfills' of a source table): an
 * Iceberg table with the source's schemas, field ids, partition specs and sort orders, whose states
 * reference the source's own files.
 *
 * <p>{@code createTable} would assign fresh field ids, so the table is registered instead, from
 * metadata derived from the source's: its schemas and specs with their ids, and nothing of its
 * history (no snapshot, no metadata log, no statistics). Its main branch holds one empty snapshot,
 * the base every change state starts from. {@code gc.enabled=false}: dropping or expiring it never
 * deletes a file it references.
 */
public final class IcdcTables {
  public static final String CAPTURE = "floe.icdc.capture-id";
  public static final String BACKFILLS = "floe.icdc.backfills-of";
  public static final String SOURCE = "floe.icdc.source-table";
  public static final String SOURCE_UUID = "floe.icdc.source-uuid";

  private static final ObjectMapper JSON = new ObjectMapper();

  private IcdcTables() {}

  /**
   * Who an ICDC table belongs to: a table property and its value. A table that exists with another
   * owner is never written to.
   */
  public record Owner(String property, String id) {
    public static Owner capture(String captureId) {
      return new Owner(CAPTURE, captureId);
    }

    /** The table holding the chunk states of every backfill of {@code source}. */
    public static Owner backfills(TableRef source) {
      return new Owner(BACKFILLS, source.toString());
    }
  }

  public static TableIdentifier identifier(CaptureDefined capture) {
    return TableRefs.identifier(capture.icdcTable());
  }

  /**
   * The capture's ICDC table, created on first use, with the schema {@code snapshot} was written
   * with and the source's partition specs: a change state reads as the source snapshot does.
   */
  public static Table createOrLoad(
      Catalog catalog, CaptureDefined capture, Table source, Snapshot snapshot) {
    return createOrLoad(
        catalog,
        identifier(capture),
        Owner.capture(capture.captureId()),
        capture.table(),
        source,
        snapshot);
  }

  /**
   * The ICDC table {@code id} of {@code owner}, created on first use from the metadata of {@code
   * source} (named {@code sourceName}), with the schema {@code snapshot} was written with.
   *
   * @throws IllegalStateException when {@code id} exists and belongs to another owner
   */
  public static Table createOrLoad(
      Catalog catalog,
      TableIdentifier id,
      Owner owner,
      TableRef sourceName,
      Table source,
      Snapshot snapshot) {
    Table icdc;
    if (catalog.tableExists(id)) {
      icdc = catalog.loadTable(id);
      String actual = icdc.properties().get(owner.property());
      if (!owner.id().equals(actual)) {
        throw new IllegalStateException(
            id + " exists and does not belong to " + owner.property() + "=" + owner.id());
      }
    } else {
      icdc = register(catalog, id, owner, sourceName, source);
    }
    ensureBase(icdc);
    follow(icdc, source, snapshot);
    return icdc;
  }

  /**
   * Commits the empty base snapshot that every state starts from, unless the table has one. A table
   * is registered and given its base in two catalog commits: a crash, or a catalog gone, between
   * the two leaves a table without a base, which the next use completes.
   */
  private static void ensureBase(Table icdc) {
    if (icdc.currentSnapshot() == null) {
      icdc.newAppend().set("floe.icdc.base", "true").commit();
    }
  }

  private static Table register(
      Catalog catalog, TableIdentifier id, Owner owner, TableRef sourceName, Table source) {
    if (catalog instanceof SupportsNamespaces namespaces
        && !namespaces.namespaceExists(id.namespace())) {
      try {
        namespaces.createNamespace(id.namespace());
      } catch (AlreadyExistsException raced) {
        // created by another instance
      }
    }
    // Where the catalog would put a table of this name; the staged create is never committed.
    Transaction probe = catalog.buildTable(id, source.schema()).createTransaction();
    String location = probe.table().location();
    FileIO io = probe.table().io();
    TableMetadata sourceMetadata = ((HasTableOperations) source).operations().current();
    if (location.startsWith(sourceMetadata.location() + "/")
        || sourceMetadata.location().startsWith(location + "/")) {
      throw new IllegalStateException(
          "the ICDC table "
              + id
              + " would live inside its source's location, or the other way round");
    }
    String metadataFile = location + "/metadata/00000-" + UUID.randomUUID() + ".metadata.json";
    TableMetadata metadata =
        TableMetadataParser.fromJson(
            metadataFile, derive(sourceMetadata, location, owner, sourceName));
    TableMetadataParser.write(metadata, io.newOutputFile(metadataFile));
    try {
      return catalog.registerTable(id, metadataFile);
    } catch (AlreadyExistsException raced) {
      return catalog.loadTable(id);
    }
  }

  /** The source's metadata with its identity, location, history and properties replaced. */
  static JsonNode derive(TableMetadata source, String location, Owner owner, TableRef sourceName) {
    ObjectNode json;
    try {
      json = (ObjectNode) JSON.readTree(TableMetadataParser.toJson(source));
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
    json.put("table-uuid", UUID.randomUUID().toString());
    json.put("location", location);
    json.put("last-updated-ms", System.currentTimeMillis());
    json.put("last-sequence-number", 0);
    json.put("current-snapshot-id", -1);
    if (json.has("next-row-id")) {
      json.put("next-row-id", 0);
    }
    json.putObject("refs");
    json.putArray("snapshots");
    json.putArray("snapshot-log");
    json.putArray("metadata-log");
    json.putArray("statistics");
    json.putArray("partition-statistics");
    ObjectNode properties = json.putObject("properties");
    properties(owner, sourceName, source).forEach(properties::put);
    return json;
  }

  static Map<String, String> properties(Owner owner, TableRef sourceName, TableMetadata source) {
    Map<String, String> props = new LinkedHashMap<>();
    // Never delete a referenced file: they are the source's.
    props.put(TableProperties.GC_ENABLED, "false");
    // The table's own metadata files are its own: old versions are cleaned up.
    props.put(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true");
    props.put(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "20");
    props.put(owner.property(), owner.id());
    props.put(SOURCE, sourceName.toString());
    props.put(SOURCE_UUID, source.uuid());
    return props;
  }

  /**
   * Makes the ICDC table's current schema the one {@code snapshot} was written with, and its
   * partition specs the source's, keeping field and spec ids. A no-op when they already agree.
   */
  public static void follow(Table icdc, Table source, Snapshot snapshot) {
    TableOperations ops = ((HasTableOperations) icdc).operations();
    TableMetadata base = ops.current();
    TableMetadata target = ((HasTableOperations) source).operations().current();
    Schema schema =
        snapshot.schemaId() == null
            ? target.schema()
            : target.schemasById().getOrDefault(snapshot.schemaId(), target.schema());
    boolean schemaDiffers = !base.schema().sameSchema(schema);
    boolean specsDiffer =
        !base.specsById().keySet().containsAll(target.specsById().keySet())
            || base.defaultSpecId() != target.defaultSpecId();
    boolean uuidDiffers = !target.uuid().equals(base.properties().get(SOURCE_UUID));
    // The format version is not followed here: a state that holds a deletion vector upgrades the
    // table to format 3 (IcdcStates), so that a change from before the source's upgrade, captured
    // after it, still has its format-2 position deletes taken.
    if (!schemaDiffers && !specsDiffer && !uuidDiffers) {
      return;
    }
    TableMetadata.Builder builder = TableMetadata.buildFrom(base);
    if (schemaDiffers) {
      builder.setCurrentSchema(schema, Math.max(base.lastColumnId(), target.lastColumnId()));
    }
    for (PartitionSpec spec : target.specs()) {
      if (!base.specsById().containsKey(spec.specId())) {
        builder.addPartitionSpec(spec);
      }
    }
    builder.setDefaultPartitionSpec(target.defaultSpecId());
    if (uuidDiffers) {
      Map<String, String> props = new LinkedHashMap<>(base.properties());
      props.put(SOURCE_UUID, target.uuid());
      builder.setProperties(props);
    }
    ops.commit(base, builder.build());
    icdc.refresh();
  }
}
