package dev.floe.backfill.plan;

import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.PartitionRef;
import dev.floe.icdc.Bounds;
import dev.floe.icdc.PartitionRefs;
import dev.floe.icdc.RangeStates;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Cuts the files a backfill selects into chunks, from metadata alone: per partition, per day or
 * hour of a timestamp field (from the files' column bounds), or at most N files or N records.
 *
 * <p>A chunk holds whole files. A file whose bounds span several days or hours joins those days
 * into one chunk, so that each chunk covers a range no other chunk's files reach into.
 */
final class Chunker {
  private static final long MICROS_PER_HOUR = 3_600_000_000L;
  private static final long MICROS_PER_DAY = 24 * MICROS_PER_HOUR;
  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH");
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");

  /**
   * One chunk before its ICDC state exists: its files and the ranges of its fields.
   *
   * @param tasks the scan tasks the chunk took, each a data file with its delete files
   */
  record Group(
      String chunkId,
      List<DataFile> data,
      List<DeleteFile> deletes,
      List<FieldRange> ranges,
      PartitionRef partition,
      List<FileScanTask> tasks) {}

  private Chunker() {}

  /**
   * @param rangeFields the fields whose ranges each chunk reports, in this order
   * @throws PlanningException naming {@code chunking} (or one of its fields) when the files can't
   *     be chunked as asked, or would make more than {@code maxChunks} chunks
   */
  static List<Group> chunk(
      Table table,
      List<FileScanTask> tasks,
      BackfillSpec.Chunking chunking,
      BackfillSpec.Order order,
      List<String> rangeFields,
      Types.NestedField sortField,
      int maxChunks) {
    List<List<FileScanTask>> groups;
    List<String> ids = new ArrayList<>();
    switch (chunking.strategy()) {
      case "day", "hour" -> groups = byTime(table, tasks, chunking, ids);
      case "partition" -> groups = byPartition(table, tasks, ids);
      case "files", "records" -> groups = bySize(tasks, chunking, sortField, ids);
      default ->
          throw new PlanningException(
              "chunking.strategy", "must be partition, day, hour, files or records");
    }
    if (groups.size() > maxChunks) {
      throw new PlanningException(
          "chunking",
          "would make "
              + groups.size()
              + " chunks, more than the limit of "
              + maxChunks
              + " (floe.backfill.max-chunks); chunk more coarsely or narrow the range");
    }
    List<Group> chunks = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      List<FileScanTask> files = groups.get(i);
      Map<String, DeleteFile> deletes = new LinkedHashMap<>();
      files.forEach(t -> t.deletes().forEach(d -> deletes.putIfAbsent(RangeStates.key(d), d)));
      PartitionRef partition =
          chunking.strategy().equals("partition")
              ? PartitionRefs.of(files.get(0).spec(), files.get(0).file())
              : null;
      chunks.add(
          new Group(
              ids.get(i),
              files.stream().map(FileScanTask::file).toList(),
              List.copyOf(deletes.values()),
              ranges(table, files, rangeFields),
              partition,
              List.copyOf(files)));
    }
    if (order == BackfillSpec.Order.NEWEST_FIRST) {
      Collections.reverse(chunks);
    }
    return chunks;
  }

  private static List<List<FileScanTask>> byTime(
      Table table, List<FileScanTask> tasks, BackfillSpec.Chunking chunking, List<String> ids) {
    if (chunking.field() == null) {
      throw new PlanningException("chunking.field", "is required for " + chunking.strategy());
    }
    Types.NestedField field = table.schema().findField(chunking.field());
    if (field == null) {
      throw new PlanningException("chunking.field", "is not a field of " + table.name());
    }
    boolean hourly = chunking.strategy().equals("hour");
    Type.TypeID type = field.type().typeId();
    if (type != Type.TypeID.TIMESTAMP
        && type != Type.TypeID.TIMESTAMP_NANO
        && (type != Type.TypeID.DATE || hourly)) {
      throw new PlanningException(
          "chunking.field",
          "must be a timestamp" + (hourly ? "" : " or a date") + ", not " + field.type());
    }
    long unit = hourly ? MICROS_PER_HOUR : MICROS_PER_DAY;
    record Span(long first, long last, FileScanTask task) {}
    List<Span> spans = new ArrayList<>();
    for (FileScanTask task : tasks) {
      Long lower = micros(field, task.file().lowerBounds());
      Long upper = micros(field, task.file().upperBounds());
      if (lower == null || upper == null) {
        throw new PlanningException(
            "chunking.field",
            task.file().location()
                + " has no bounds for "
                + field.name()
                + " (no column metrics): chunk by partition, files or records");
      }
      spans.add(new Span(Math.floorDiv(lower, unit), Math.floorDiv(upper, unit), task));
    }
    spans.sort(
        Comparator.comparingLong(Span::first).thenComparing(s -> s.task().file().location()));
    List<List<FileScanTask>> groups = new ArrayList<>();
    long first = 0;
    long last = Long.MIN_VALUE;
    for (Span span : spans) {
      if (groups.isEmpty() || span.first() > last) {
        if (!groups.isEmpty()) {
          ids.add(timeId(first, last, unit, hourly));
        }
        groups.add(new ArrayList<>());
        first = span.first();
        last = span.last();
      }
      last = Math.max(last, span.last());
      groups.get(groups.size() - 1).add(span.task());
    }
    if (!groups.isEmpty()) {
      ids.add(timeId(first, last, unit, hourly));
    }
    return groups;
  }

  private static String timeId(long first, long last, long unit, boolean hourly) {
    DateTimeFormatter format = hourly ? HOUR : DAY;
    String id = format.format(LocalDateTime.ofInstant(instant(first * unit), ZoneOffset.UTC));
    if (last != first) {
      id += "_" + format.format(LocalDateTime.ofInstant(instant(last * unit), ZoneOffset.UTC));
    }
    return id;
  }

  private static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
  }

  /** A bound as microseconds since the epoch; null when the file has none. */
  private static Long micros(Types.NestedField field, Map<Integer, ByteBuffer> bounds) {
    ByteBuffer buffer = bounds == null ? null : bounds.get(field.fieldId());
    if (buffer == null) {
      return null;
    }
    Object value = Bounds.decode(field.type().asPrimitiveType(), buffer);
    long n = ((Number) value).longValue();
    return switch (field.type().typeId()) {
      case DATE -> n * MICROS_PER_DAY;
      case TIMESTAMP_NANO -> Math.floorDiv(n, 1000L);
      default -> n;
    };
  }

  private static List<List<FileScanTask>> byPartition(
      Table table, List<FileScanTask> tasks, List<String> ids) {
    Map<String, List<FileScanTask>> byPath = new TreeMap<>();
    for (FileScanTask task : tasks) {
      PartitionRef ref = PartitionRefs.of(task.spec(), task.file());
      String key = ref.path().isEmpty() ? "unpartitioned" : ref.path();
      if (task.file().specId() != table.spec().specId()) {
        key = key + "+spec" + task.file().specId();
      }
      byPath.computeIfAbsent(key, k -> new ArrayList<>()).add(task);
    }
    int i = 0;
    for (String key : byPath.keySet()) {
      String id = key.replace('/', '_');
      ids.add(id.matches("[A-Za-z0-9][A-Za-z0-9_=:+-]{0,199}") ? id : String.format("p%04d", i));
      i++;
    }
    return new ArrayList<>(byPath.values());
  }

  private static List<List<FileScanTask>> bySize(
      List<FileScanTask> tasks,
      BackfillSpec.Chunking chunking,
      Types.NestedField sortField,
      List<String> ids) {
    boolean byFiles = chunking.strategy().equals("files");
    Long limit = byFiles ? chunking.maxFiles() : chunking.maxRecords();
    if (limit == null || limit < 1) {
      throw new PlanningException(
          byFiles ? "chunking.maxFiles" : "chunking.maxRecords",
          "must be at least 1 for " + chunking.strategy());
    }
    List<FileScanTask> sorted = new ArrayList<>(tasks);
    sorted.sort(order(sortField));
    List<List<FileScanTask>> groups = new ArrayList<>();
    long size = 0;
    for (FileScanTask task : sorted) {
      long weight = byFiles ? 1 : task.file().recordCount();
      if (groups.isEmpty() || size + weight > limit && size > 0) {
        groups.add(new ArrayList<>());
        size = 0;
      }
      groups.get(groups.size() - 1).add(task);
      size += weight;
    }
    for (int i = 0; i < groups.size(); i++) {
      ids.add(String.format("c%04d", i));
    }
    return groups;
  }

  /** Files by the lower bound of the sort field (files without one last), then by location. */
  @SuppressWarnings("unchecked")
  private static Comparator<FileScanTask> order(Types.NestedField field) {
    Comparator<FileScanTask> byLocation = Comparator.comparing(t -> t.file().location());
    if (field == null || !field.type().isPrimitiveType()) {
      return byLocation;
    }
    Type.PrimitiveType type = field.type().asPrimitiveType();
    Comparator<Object> values = (Comparator<Object>) Comparators.forType(type);
    Comparator<FileScanTask> byBound =
        Comparator.comparing(
            t -> {
              Map<Integer, ByteBuffer> lower = t.file().lowerBounds();
              ByteBuffer b = lower == null ? null : lower.get(field.fieldId());
              return b == null ? null : Bounds.decode(type, b);
            },
            Comparator.nullsLast(values));
    return byBound.thenComparing(byLocation);
  }

  /** Each field's range over the chunk's files: exact, truncated (strings) or unknown. */
  @SuppressWarnings("unchecked")
  private static List<FieldRange> ranges(
      Table table, List<FileScanTask> files, List<String> fields) {
    List<FieldRange> ranges = new ArrayList<>();
    for (String name : fields) {
      Types.NestedField field = table.schema().findField(name);
      if (field == null
          || !field.type().isPrimitiveType()
          || !Bounds.supported(field.type().asPrimitiveType())) {
        continue;
      }
      Type.PrimitiveType type = field.type().asPrimitiveType();
      Comparator<Object> cmp = (Comparator<Object>) Comparators.forType(type);
      Object min = null;
      Object max = null;
      boolean known = true;
      for (FileScanTask task : files) {
        Map<Integer, ByteBuffer> lower = task.file().lowerBounds();
        Map<Integer, ByteBuffer> upper = task.file().upperBounds();
        ByteBuffer lo = lower == null ? null : lower.get(field.fieldId());
        ByteBuffer hi = upper == null ? null : upper.get(field.fieldId());
        if (lo == null || hi == null) {
          known = false;
          break;
        }
        Object l = Bounds.decode(type, lo);
        Object h = Bounds.decode(type, hi);
        min = min == null || cmp.compare(l, min) < 0 ? l : min;
        max = max == null || cmp.compare(h, max) > 0 ? h : max;
      }
      if (!known || min == null) {
        ranges.add(FieldRange.unknown(name, field.fieldId(), type.toString()));
      } else {
        Exactness exactness =
            type.typeId() == Type.TypeID.STRING ? Exactness.TRUNCATED : Exactness.EXACT;
        ranges.add(
            new FieldRange(
                name,
                field.fieldId(),
                type.toString(),
                Bounds.format(type, min),
                Bounds.format(type, max),
                exactness));
      }
    }
    return ranges;
  }
}
