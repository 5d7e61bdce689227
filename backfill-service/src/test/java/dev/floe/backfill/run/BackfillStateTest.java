package dev.floe.backfill.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.broker.JsonSerde;
import dev.floe.contracts.model.ChunkState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The stored form of a backfill: a small head, the chunks under keys of their own. */
@Tag("unit")
class BackfillStateTest {
  private final JsonSerde<BackfillState> serde = new JsonSerde<>(BackfillState.class);

  @Test
  void theHeadHoldsALetterPerChunkAndNotThePlan() {
    List<dev.floe.contracts.event.Payload> out = new ArrayList<>();
    BackfillState s =
        new BackfillMachine(ChunkValidator.NONE, Duration.ofHours(1))
            .create(BackfillTopologyTest.plan("bf", 4, 2), Instant.EPOCH, out);
    String head = new String(serde.serializer().serialize("t", s), StandardCharsets.UTF_8);
    assertThat(head).contains("\"codes\":\"rrpp\"").doesNotContain("\"plan\"");

    BackfillState read =
        serde.deserializer().deserialize("t", head.getBytes(StandardCharsets.UTF_8));
    Map<Integer, BackfillState.Chunk> stored = new java.util.HashMap<>();
    s.loaded().forEach(c -> stored.put(c.index(), c));
    read.attach((id, i) -> stored.get(i));
    assertThat(read.count(ChunkState.RUNNING)).isEqualTo(2);
    assertThat(read.running).containsValues(0, 1);
    assertThat(read.chunk(3).id()).isEqualTo("c3");
  }

  /** A state written before chunks had keys of their own still reads, whole. */
  @Test
  void aHeadThatHeldEveryChunkIsReadIntoChunks() {
    String legacy =
        """
        {"backfillId":"old","revision":4,"status":"running","spec":null,"chunks":[
          {"plan":{"chunkId":"a","index":0,"dataFiles":1,"records":10,"bytes":100},"state":"running","runId":"job/old/a.1",
           "startedAt":"2026-11-01T00:00:00Z"},
          {"plan":{"chunkId":"b","index":1,"dataFiles":1,"records":10,"bytes":100},"state":"failed","error":"boom"},
          {"plan":{"chunkId":"c","index":2,"dataFiles":1,"records":10,"bytes":100},"state":"succeeded","validating":true}]}
        """;
    BackfillState s =
        serde.deserializer().deserialize("t", legacy.getBytes(StandardCharsets.UTF_8));
    assertThat(s.chunkCount).isEqualTo(3);
    assertThat(s.planned).isEqualTo(3);
    assertThat(new String(s.codes)).isEqualTo("rfw");
    assertThat(s.running).containsEntry("job/old/a.1", 0);
    assertThat(s.chunk("b").error).isEqualTo("boom");
    assertThat(s.loaded()).hasSize(3);
    assertThat(s.lastProgress).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
  }
}
