package dev.floe.capture.rows;

import io.debezium.engine.ChangeEvent;

/**
 * One record of the row stream, as Debezium's engine hands change events to a consumer: key and
 * value as JSON with schemas, and the topic it goes to.
 *
 * @param key null for a table without identifier fields, as Debezium keys a table without a primary
 *     key
 * @param value null for a tombstone, which follows a delete so that compaction drops its key
 */
public record RowEvent(String key, byte[] value, String destination)
    implements ChangeEvent<String, byte[]> {

  @Override
  public Integer partition() {
    return null; // by key, as the producer's partitioner chooses
  }
}
