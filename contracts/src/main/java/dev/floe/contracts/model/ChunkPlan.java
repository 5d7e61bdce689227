package dev.floe.contracts.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One planned chunk of a backfill, counted from metadata alone.
 *
 * @param chunkId unique within the backfill and stable across re-plans of the same request
 * @param index the chunk's position in run order, from 0
 * @param ranges the bounds that select the chunk's rows, one per field
 * @param partition the partition the chunk covers, for per-partition chunking; null otherwise
 * @param icdc the zero-copy ICDC state holding the chunk's files: for a snapshot range (S0, Sn],
 *     the {@code added} state, rows live at Sn that were not at S0; null in a dry run, or when the
 *     chunk added nothing
 * @param removedIcdc for a snapshot range, the {@code removed} state: rows live at S0 that are gone
 *     or replaced at Sn, read as S0 saw them; null when the chunk removed nothing
 */
public record ChunkPlan(
    @JsonProperty(required = true) String chunkId,
    @JsonProperty(required = true) int index,
    List<FieldRange> ranges,
    PartitionRef partition,
    long dataFiles,
    long records,
    long bytes,
    IcdcRef icdc,
    IcdcRef removedIcdc) {

  public ChunkPlan {
    requireNonNull(chunkId, "chunkId");
    ranges = ranges == null ? List.of() : List.copyOf(ranges);
  }

  /** A chunk without a removed state. */
  public ChunkPlan(
      String chunkId,
      int index,
      List<FieldRange> ranges,
      PartitionRef partition,
      long dataFiles,
      long records,
      long bytes,
      IcdcRef icdc) {
    this(chunkId, index, ranges, partition, dataFiles, records, bytes, icdc, null);
  }
}
