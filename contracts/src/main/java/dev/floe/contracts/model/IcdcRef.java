package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Points at one readable state of an ICDC table: an Iceberg table whose snapshot references exactly
 * the files of a change, with no data copied. Engines read it with plain SQL, for example {@code
 * SELECT * FROM floe_icdc.orders__c1 FOR VERSION AS OF 'change-42'} in Spark or Trino.
 *
 * @param table the ICDC table
 * @param ref the tag or branch that names this state, stable for as long as the state is retained
 * @param snapshotId the ICDC snapshot that the ref points at
 * @param metadataLocation the ICDC table's metadata file at that snapshot, for engines that load
 *     tables by location
 */
public record IcdcRef(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String ref,
    @JsonProperty(required = true) long snapshotId,
    String metadataLocation) {

  public IcdcRef {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(ref, "ref");
  }
}
