package dev.floe.backfill.run;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The decision core's stores of one partition's backfills: each one's head, its chunks under a key
 * each ({@link BackfillTopology#chunkKey}), and an index of the open backfills ({@code open/<id>})
 * and of the ended ones by when they ended ({@code ended/<epoch ms>/<id>}), which the tick reads
 * instead of every backfill. Used on the stream thread only.
 */
final class BackfillStore {
  private static final String OPEN = "open/";
  private static final String ENDED = "ended/";

  /** Set in the index once it was built from a store written before it existed. */
  private static final String INDEXED = "indexed";

  private final KeyValueStore<String, BackfillState> heads;
  private final KeyValueStore<String, BackfillState.Chunk> chunks;
  private final KeyValueStore<String, String> index;

  BackfillStore(
      KeyValueStore<String, BackfillState> heads,
      KeyValueStore<String, BackfillState.Chunk> chunks,
      KeyValueStore<String, String> index) {
    this.heads = heads;
    this.chunks = chunks;
    this.index = index;
    if (index.get(INDEXED) == null) {
      reindex();
    }
  }

  /** A backfill's head, reading its chunks from the store; null when there is none. */
  BackfillState load(String id) {
    BackfillState state = heads.get(id);
    return state == null
        ? null
        : state.attach((b, i) -> chunks.get(BackfillTopology.chunkKey(b, i)));
  }

  /** Writes the head and the chunks read while deciding, and keeps the index in step. */
  void save(String id, BackfillState state) {
    for (BackfillState.Chunk c : state.changed()) {
      chunks.put(BackfillTopology.chunkKey(id, c.index()), c);
    }
    heads.put(id, state);
    if (!state.status.ended()) {
      index.putIfAbsent(OPEN + id, "");
    } else {
      index.delete(OPEN + id);
      if (state.finishedAt != null) {
        // A retried backfill that ends again gets a second key; the first one is passed over.
        // Written at each save of an ended backfill, so that one that ended as it was created (a
        // plan of no chunks) is forgotten too.
        index.put(ENDED + millis(state.finishedAt) + "/" + id, "");
      }
    }
  }

  /** The ids of the open backfills. */
  List<String> open() {
    return keys(OPEN, OPEN + Character.MAX_VALUE).stream()
        .map(k -> k.substring(OPEN.length()))
        .toList();
  }

  /** Drops an open backfill's index key whose head is gone. */
  void dropOpen(String id) {
    index.delete(OPEN + id);
  }

  /** Forgets the backfills that ended before {@code before}: their heads, chunks and index keys. */
  void forgetEndedBefore(Instant before) {
    for (String key : keys(ENDED, ENDED + millis(before))) {
      String id = key.substring(key.lastIndexOf('/') + 1);
      index.delete(key);
      BackfillState head = heads.get(id);
      if (head == null
          || !head.status.ended()
          || head.finishedAt == null
          || !key.equals(ENDED + millis(head.finishedAt) + "/" + id)) {
        continue; // retried since: it ended again later, or runs, and has a key of its own then
      }
      heads.delete(id); // first: a reader never finds a head whose chunks are gone
      List<String> own = new ArrayList<>();
      try (KeyValueIterator<String, BackfillState.Chunk> it =
          chunks.range(id + "/", id + "/" + Character.MAX_VALUE)) {
        it.forEachRemaining(e -> own.add(e.key));
      }
      own.forEach(chunks::delete);
    }
  }

  private List<String> keys(String from, String to) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, String> it = index.range(from, to)) {
      it.forEachRemaining(e -> keys.add(e.key));
    }
    return keys;
  }

  private static String millis(Instant at) {
    return String.format("%013d", at.toEpochMilli());
  }

  /**
   * Builds the index from a store written before it existed, once: every backfill is read, and one
   * that held its chunks in its head is written again with a key per chunk.
   */
  private void reindex() {
    List<BackfillState> all = new ArrayList<>();
    try (KeyValueIterator<String, BackfillState> it = heads.all()) {
      it.forEachRemaining(e -> all.add(e.value));
    }
    for (BackfillState state : all) {
      save(state.backfillId, state);
    }
    index.put(INDEXED, "");
  }
}
