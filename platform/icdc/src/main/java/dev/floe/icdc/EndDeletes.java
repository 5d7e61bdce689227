package dev.floe.icdc;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.ContentFileUtil;
import org.apache.iceberg.util.PartitionMap;

/**
 * The live delete files of one end, indexed as Iceberg's scan planning indexes them, so that {@link
 * #forFile} answers which of them apply to a data file by Iceberg's rules. Filled by {@link #add},
 * then only read. Not thread-safe.
 */
final class EndDeletes {
  private final Map<Integer, PartitionSpec> specs;
  private final Map<String, DeleteFile> vectors = new HashMap<>();
  private final Map<String, List<DeleteFile>> byPath = new HashMap<>();
  private final PartitionMap<List<DeleteFile>> positions;
  private final PartitionMap<List<DeleteFile>> equalities;
  private final List<DeleteFile> globalEqualities = new ArrayList<>();
  private final Schema schema;

  EndDeletes(Map<Integer, PartitionSpec> specs, Schema schema) {
    this.specs = specs;
    this.schema = schema;
    this.positions = PartitionMap.create(specs);
    this.equalities = PartitionMap.create(specs);
  }

  void add(DeleteFile file) {
    if (file.content() == FileContent.EQUALITY_DELETES) {
      if (specs.get(file.specId()).isUnpartitioned()) {
        globalEqualities.add(file);
      } else {
        equalities.computeIfAbsent(file.specId(), file.partition(), ArrayList::new).add(file);
      }
    } else if (ContentFileUtil.isDV(file)) {
      vectors.put(file.referencedDataFile(), file);
    } else {
      String named = ContentFileUtil.referencedDataFileLocation(file);
      if (named != null) {
        byPath.computeIfAbsent(named, k -> new ArrayList<>()).add(file);
      } else {
        positions.computeIfAbsent(file.specId(), file.partition(), ArrayList::new).add(file);
      }
    }
  }

  /**
   * The delete files that apply to {@code file}: a deletion vector of its path replaces position
   * deletes; a position delete applies with a data sequence number at least the file's, an equality
   * delete with a greater one.
   */
  List<DeleteFile> forFile(DataFile file) {
    long seq = file.dataSequenceNumber();
    List<DeleteFile> applying = new ArrayList<>();
    for (DeleteFile eq : globalEqualities) {
      if (eq.dataSequenceNumber() > seq && mayMatch(eq, file, schema)) {
        applying.add(eq);
      }
    }
    List<DeleteFile> partitionEqualities = equalities.get(file.specId(), file.partition());
    if (partitionEqualities != null) {
      for (DeleteFile eq : partitionEqualities) {
        if (eq.dataSequenceNumber() > seq && mayMatch(eq, file, schema)) {
          applying.add(eq);
        }
      }
    }
    DeleteFile vector = vectors.get(file.location());
    if (vector != null) {
      applying.add(vector);
      return applying;
    }
    for (DeleteFile pos : byPath.getOrDefault(file.location(), List.of())) {
      if (pos.dataSequenceNumber() >= seq) {
        applying.add(pos);
      }
    }
    List<DeleteFile> scoped = positions.get(file.specId(), file.partition());
    if (scoped != null) {
      for (DeleteFile pos : scoped) {
        if (pos.dataSequenceNumber() >= seq) {
          applying.add(pos);
        }
      }
    }
    return applying;
  }

  /**
   * False when the column statistics show that no row of {@code data} can equal a deleted key, as
   * Iceberg's scan planning prunes equality deletes: a key column whose value ranges do not
   * overlap, unless both files may hold nulls in it. Without statistics the delete may match.
   */
  static boolean mayMatch(DeleteFile delete, DataFile data, Schema schema) {
    if (delete.equalityFieldIds() == null
        || data.lowerBounds() == null
        || data.upperBounds() == null
        || delete.lowerBounds() == null
        || delete.upperBounds() == null) {
      return true;
    }
    for (int id : delete.equalityFieldIds()) {
      Types.NestedField field = schema.findField(id);
      if (field == null || !field.type().isPrimitiveType()) {
        continue;
      }
      if (mayHoldNull(data, id) && mayHoldNull(delete, id)) {
        continue; // a deleted null key matches a null
      }
      ByteBuffer dataLower = data.lowerBounds().get(id);
      ByteBuffer dataUpper = data.upperBounds().get(id);
      ByteBuffer deleteLower = delete.lowerBounds().get(id);
      ByteBuffer deleteUpper = delete.upperBounds().get(id);
      if (dataLower == null || dataUpper == null || deleteLower == null || deleteUpper == null) {
        continue;
      }
      Type.PrimitiveType type = field.type().asPrimitiveType();
      Comparator<Object> order = Comparators.forType(type);
      if (order.compare(from(type, dataUpper), from(type, deleteLower)) < 0
          || order.compare(from(type, deleteUpper), from(type, dataLower)) < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean mayHoldNull(ContentFile<?> file, int id) {
    Long nulls = file.nullValueCounts() == null ? null : file.nullValueCounts().get(id);
    return nulls == null || nulls > 0;
  }

  private static Object from(Type.PrimitiveType type, ByteBuffer bound) {
    return Conversions.fromByteBuffer(type, bound.duplicate());
  }
}
