package dev.floe.capture.range;

import dev.floe.capture.read.GenericReaders;
import dev.floe.icdc.Bounds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Types;

/**
 * The opt-in exact mode: reads only the tracked columns of the changed data files and returns the
 * true minimum and maximum of each. Reads, never writes. Files in a format it cannot read (ORC) are
 * left to the metadata.
 */
public final class ExactRanges {
  private ExactRanges() {}

  /** The files it could read, and the bounds by field id as {@code [min, max]} internal values. */
  public record Result(Collection<DataFile> read, Map<Integer, Object[]> bounds) {}

  public static Result read(Table source, List<String> fields, Collection<DataFile> files) {
    Schema projection =
        source.schema().select(fields.stream().filter(f -> supported(source.schema(), f)).toList());
    Map<Integer, Object[]> bounds = new HashMap<>();
    List<DataFile> read = new java.util.ArrayList<>();
    if (projection.columns().isEmpty()) {
      return new Result(read, bounds);
    }
    InternalRecordWrapper wrapper = new InternalRecordWrapper(projection.asStruct());
    for (DataFile file : files) {
      try (CloseableIterable<Record> rows = open(source, file, projection)) {
        if (rows == null) {
          continue;
        }
        for (Record row : rows) {
          wrapper.wrap(row);
          for (int i = 0; i < projection.columns().size(); i++) {
            Types.NestedField column = projection.columns().get(i);
            Object value = wrapper.get(i, Object.class);
            if (value != null) {
              accumulate(bounds, column, value);
            }
          }
        }
        read.add(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file.location(), e);
      }
    }
    return new Result(read, bounds);
  }

  private static boolean supported(Schema schema, String field) {
    Types.NestedField column = schema.findField(field);
    return column != null
        && column.type().isPrimitiveType()
        && Bounds.supported(column.type().asPrimitiveType());
  }

  @SuppressWarnings("unchecked")
  private static void accumulate(
      Map<Integer, Object[]> bounds, Types.NestedField column, Object value) {
    Comparator<Object> order =
        (Comparator<Object>) Comparators.forType(column.type().asPrimitiveType());
    Object[] range = bounds.computeIfAbsent(column.fieldId(), id -> new Object[] {value, value});
    if (order.compare(value, range[0]) < 0) {
      range[0] = value;
    }
    if (order.compare(value, range[1]) > 0) {
      range[1] = value;
    }
  }

  private static CloseableIterable<Record> open(Table source, DataFile file, Schema projection) {
    if (!GenericReaders.reads(file.format())) {
      return null;
    }
    return GenericReaders.open(source.io(), file, projection, Map.of(), 0, file.fileSizeInBytes());
  }
}
