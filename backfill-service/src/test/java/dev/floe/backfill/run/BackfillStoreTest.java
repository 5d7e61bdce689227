package dev.floe.backfill.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.broker.JsonSerde;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The decision core's stores: a store written before chunks had keys of their own is read into
 * heads, chunks and the index once, and what ended is forgotten after the retention, whatever way
 * it ended.
 */
@Tag("unit")
class BackfillStoreTest {
  private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
  private final JsonSerde<BackfillState> json = new JsonSerde<>(BackfillState.class);

  /** Heads to store as written before chunks had keys of their own, by backfill id: once each. */
  private final Map<String, String> legacy = new HashMap<>();

  /** The bytes of the head read last, as stored. */
  private String lastRead;

  private final KeyValueStore<String, BackfillState> heads =
      store(
          BackfillTopology.STATE,
          Serdes.serdeFrom(
              (topic, s) -> {
                String raw = legacy.remove(s.backfillId);
                return raw != null
                    ? raw.getBytes(StandardCharsets.UTF_8)
                    : json.serializer().serialize(topic, s);
              },
              (topic, bytes) -> {
                lastRead = bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
                return json.deserializer().deserialize(topic, bytes);
              }));
  private final KeyValueStore<String, BackfillState.Chunk> chunks =
      store(BackfillTopology.CHUNKS, new JsonSerde<>(BackfillState.Chunk.class));
  private final KeyValueStore<String, String> index =
      store(BackfillTopology.INDEX, Serdes.String());

  @Test
  void aStoreOfWholePlansIsIndexedOnceWithAKeyPerChunk() {
    putLegacy("open1", "running", null);
    putLegacy("done1", "completed", "2026-11-01T00:00:00Z");

    BackfillStore store = new BackfillStore(heads, chunks, index);

    assertThat(store.open()).containsExactly("open1");
    assertThat(keys(chunks))
        .containsExactly(
            BackfillTopology.chunkKey("done1", 0),
            BackfillTopology.chunkKey("done1", 1),
            BackfillTopology.chunkKey("open1", 0),
            BackfillTopology.chunkKey("open1", 1));
    heads.get("open1");
    assertThat(lastRead)
        .as("the head is stored again without the plan")
        .contains("\"codes\"")
        .doesNotContain("\"chunks\"");
    assertThat(store.load("open1").chunk(1).error).isEqualTo("boom");

    // Built once: a head written later without its index key is not found by a second build.
    putLegacy("stray", "running", null);
    assertThat(new BackfillStore(heads, chunks, index).open()).containsExactly("open1");

    store.forgetEndedBefore(Instant.parse("2026-11-02T00:00:00Z"));
    assertThat(heads.get("done1")).as("the migrated ended backfill is forgotten").isNull();
    assertThat(keys(chunks)).noneMatch(k -> k.startsWith("done1/"));
    assertThat(heads.get("open1")).isNotNull();
  }

  @Test
  void aBackfillThatEndedAsItWasCreatedIsForgottenToo() {
    BackfillStore store = new BackfillStore(heads, chunks, index);
    BackfillState empty = new BackfillState();
    empty.backfillId = "empty";
    empty.status = BackfillStatus.COMPLETED;
    empty.finishedAt = Instant.parse("2026-11-01T00:00:00Z");
    store.save("empty", empty);
    assertThat(store.open()).isEmpty();

    store.forgetEndedBefore(Instant.parse("2026-11-02T00:00:00Z"));
    assertThat(heads.get("empty")).isNull();
  }

  /** Stores a head as written before chunks had keys of their own: the whole plan in it. */
  private void putLegacy(String id, String status, String finishedAt) {
    String head =
        """
        {"backfillId":"%s","revision":4,"status":"%s","finishedAt":%s,"chunks":[
          {"plan":{"chunkId":"a","index":0,"dataFiles":1,"records":10,"bytes":100},"state":"%s"},
          {"plan":{"chunkId":"b","index":1,"dataFiles":1,"records":10,"bytes":100},"state":"failed","error":"boom"}]}
        """
            .formatted(
                id,
                status,
                finishedAt == null ? "null" : "\"" + finishedAt + "\"",
                finishedAt == null ? "pending" : "succeeded");
    legacy.put(id, head);
    BackfillState stub = new BackfillState();
    stub.backfillId = id;
    heads.put(id, stub);
    assertThat(legacy).as("stored as written").doesNotContainKey(id);
  }

  private <V> KeyValueStore<String, V> store(String name, Serde<V> values) {
    KeyValueStore<String, V> store =
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values)
            .withLoggingDisabled()
            .build();
    store.init(context.getStateStoreContext(), store);
    return store;
  }

  private static List<String> keys(KeyValueStore<String, ?> store) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, ?> it = store.all()) {
      it.forEachRemaining(e -> keys.add(e.key));
    }
    return keys;
  }
}
