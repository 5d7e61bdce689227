package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One partition that a change touched.
 *
 * @param specId the partition spec the files were written with
 * @param path the partition path as Iceberg prints it, such as {@code order_date=2026-11-25}; empty
 *     for an unpartitioned table
 * @param values each partition field's human-readable value, in spec order; a null value is a null
 *     partition
 */
public record PartitionRef(
    @JsonProperty(required = true) int specId,
    @JsonProperty(required = true) String path,
    Map<String, String> values) {

  public PartitionRef {
    Objects.requireNonNull(path, "path");
    values = values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }
}
