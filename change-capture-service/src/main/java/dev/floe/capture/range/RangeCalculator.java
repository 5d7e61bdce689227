package dev.floe.capture.range;

import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.icdc.Bounds;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.MetricsModes;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The change range of tracked fields over a set of files, from metadata alone: each file's column
 * bounds, or, where a file has none for the field, its partition value. Exactness is the weakest of
 * the files': strings whose bound may have been truncated by the metrics mode, ranges taken from a
 * time partition, and the bounds of delete files (an equality delete's keys enclose the rows it
 * deletes, but a key may match nothing) are {@code truncated}; a file with neither bounds nor a
 * partition value for the field makes the range {@code unknown}.
 *
 * <p>Stateless and thread-safe.
 */
public final class RangeCalculator {
  private RangeCalculator() {}

  public static List<FieldRange> compute(
      Table source, List<String> fields, Collection<? extends ContentFile<?>> files) {
    return compute(source, fields, files, Map.of());
  }

  /**
   * @param read exact bounds read from data, by field id, as {@code [min, max]} internal values;
   *     they join the metadata of {@code files} as exact contributions
   */
  public static List<FieldRange> compute(
      Table source,
      List<String> fields,
      Collection<? extends ContentFile<?>> files,
      Map<Integer, Object[]> read) {
    return bounds(source, fields, files, read).stream().map(FieldBounds::range).toList();
  }

  /**
   * A field's range with its bounds as internal values, for comparisons with high-water marks.
   *
   * @param type the field's type; null when the field is missing or of an unsupported type
   * @param min null when the range is unknown
   */
  public record FieldBounds(FieldRange range, Type.PrimitiveType type, Object min, Object max) {}

  public static List<FieldBounds> bounds(
      Table source,
      List<String> fields,
      Collection<? extends ContentFile<?>> files,
      Map<Integer, Object[]> read) {
    Schema schema = source.schema();
    MetricsConfig metrics = MetricsConfig.forTable(source);
    List<FieldBounds> ranges = new ArrayList<>();
    for (String name : fields) {
      Types.NestedField field = schema.findField(name);
      if (field == null
          || !field.type().isPrimitiveType()
          || !Bounds.supported(field.type().asPrimitiveType())) {
        FieldRange unknown =
            FieldRange.unknown(
                name,
                field == null ? 0 : field.fieldId(),
                field == null ? "missing" : field.type().toString());
        ranges.add(new FieldBounds(unknown, null, null, null));
        continue;
      }
      Range range = new Range(field.type().asPrimitiveType());
      int truncate = truncateLength(metrics.columnMode(name));
      Object[] exact = read.get(field.fieldId());
      if (exact != null) {
        range.add(exact[0], exact[1], Exactness.EXACT);
      }
      for (ContentFile<?> file : files) {
        if (file.recordCount() > 0 && !allNull(file, field.fieldId())) {
          contribute(range, file, field, source.specs().get(file.specId()), truncate);
        }
      }
      FieldRange fieldRange = range.toFieldRange(name, field.fieldId());
      boolean known = fieldRange.min() != null;
      ranges.add(
          new FieldBounds(
              fieldRange, range.type, known ? range.min : null, known ? range.max : null));
    }
    return ranges;
  }

  private static boolean allNull(ContentFile<?> file, int fieldId) {
    Map<Integer, Long> nulls = file.nullValueCounts();
    Long count = nulls == null ? null : nulls.get(fieldId);
    return count != null && count == file.recordCount();
  }

  private static int truncateLength(MetricsModes.MetricsMode mode) {
    return mode instanceof MetricsModes.Truncate t ? t.length() : Integer.MAX_VALUE;
  }

  private static void contribute(
      Range range, ContentFile<?> file, Types.NestedField field, PartitionSpec spec, int truncate) {
    ByteBuffer lower = file.lowerBounds() == null ? null : file.lowerBounds().get(field.fieldId());
    ByteBuffer upper = file.upperBounds() == null ? null : file.upperBounds().get(field.fieldId());
    Type.PrimitiveType type = field.type().asPrimitiveType();
    if (lower != null && upper != null) {
      Object lo = Bounds.decode(type, lower);
      Object hi = Bounds.decode(type, upper);
      boolean truncated =
          type.typeId() == Type.TypeID.STRING
              && (lo.toString().codePointCount(0, lo.toString().length()) >= truncate
                  || hi.toString().codePointCount(0, hi.toString().length()) >= truncate);
      // A delete file's bounds are those of its keys, not of the rows they matched: they enclose.
      boolean enclosing = truncated || file.content() != FileContent.DATA;
      range.add(lo, hi, enclosing ? Exactness.TRUNCATED : Exactness.EXACT);
      return;
    }
    if (!fromPartition(range, file, field, spec)) {
      range.unknown = true;
    }
  }

  /** Bounds from the file's partition value of a partition field on {@code field}, if any. */
  private static boolean fromPartition(
      Range range, ContentFile<?> file, Types.NestedField field, PartitionSpec spec) {
    List<PartitionField> partitionFields = spec.fields();
    for (int i = 0; i < partitionFields.size(); i++) {
      PartitionField pf = partitionFields.get(i);
      if (pf.sourceId() != field.fieldId()) {
        continue;
      }
      Object value = file.partition().get(i, Object.class);
      if (value == null) {
        continue;
      }
      String transform = pf.transform().toString();
      if (pf.transform().isIdentity()) {
        range.add(value, value, Exactness.EXACT);
        return true;
      }
      long[] span = TimeSpan.of(transform, ((Number) value).intValue(), range.type);
      if (span != null) {
        range.add(
            span[0],
            span[1],
            exactSpan(transform, range.type) ? Exactness.EXACT : Exactness.TRUNCATED);
        return true;
      }
    }
    return false;
  }

  private static boolean exactSpan(String transform, Type.PrimitiveType type) {
    return type.typeId() == Type.TypeID.DATE && transform.equals("day");
  }

  /** A partition value of a time transform as the first and last internal values it covers. */
  static final class TimeSpan {
    private TimeSpan() {}

    static long[] of(String transform, int value, Type.PrimitiveType type) {
      LocalDate start;
      LocalDate end;
      switch (transform) {
        case "year" -> {
          start = LocalDate.of(1970 + value, 1, 1);
          end = start.plusYears(1);
        }
        case "month" -> {
          start = LocalDate.of(1970, 1, 1).plusMonths(value);
          end = start.plusMonths(1);
        }
        case "day" -> {
          start = LocalDate.ofEpochDay(value);
          end = start.plusDays(1);
        }
        case "hour" -> {
          if (type.typeId() != Type.TypeID.TIMESTAMP) {
            return null;
          }
          long micros = value * 3_600_000_000L;
          return new long[] {micros, micros + 3_600_000_000L - 1};
        }
        default -> {
          return null;
        }
      }
      return switch (type.typeId()) {
        case DATE -> new long[] {start.toEpochDay(), end.toEpochDay() - 1};
        case TIMESTAMP ->
            new long[] {
              start.toEpochDay() * 86_400_000_000L, end.toEpochDay() * 86_400_000_000L - 1
            };
        default -> null;
      };
    }
  }

  /** Accumulates bounds; not thread-safe. */
  private static final class Range {
    final Type.PrimitiveType type;
    final Comparator<Object> order;
    Object min;
    Object max;
    Exactness exactness = Exactness.EXACT;
    boolean unknown;

    @SuppressWarnings("unchecked")
    Range(Type.PrimitiveType type) {
      this.type = type;
      this.order = (Comparator<Object>) Comparators.forType(type);
    }

    void add(Object lo, Object hi, Exactness e) {
      Object low = narrow(lo);
      Object high = narrow(hi);
      min = min == null || order.compare(low, min) < 0 ? low : min;
      max = max == null || order.compare(high, max) > 0 ? high : max;
      exactness = exactness.combine(e);
    }

    /** Time spans are computed as longs; dates are ints internally. */
    private Object narrow(Object value) {
      return type.typeId() == Type.TypeID.DATE && value instanceof Long l
          ? Math.toIntExact(l)
          : value;
    }

    FieldRange toFieldRange(String name, int fieldId) {
      if (unknown || min == null) {
        return FieldRange.unknown(name, fieldId, type.toString());
      }
      return new FieldRange(
          name,
          fieldId,
          type.toString(),
          Bounds.format(type, min),
          Bounds.format(type, max),
          exactness);
    }
  }
}
