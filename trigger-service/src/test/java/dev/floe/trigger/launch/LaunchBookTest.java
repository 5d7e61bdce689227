package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.RunRequested;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Which runs may launch, and which position of a partition may be committed. */
@Tag("unit")
class LaunchBookTest {
  private static final TopicPartition P0 = new TopicPartition("floe.runs", 0);
  private static final TopicPartition P1 = new TopicPartition("floe.runs", 1);

  private static LaunchBook.Entry entry(TopicPartition partition, long offset, String trigger) {
    RunRequested run =
        new RunRequested(
            trigger + "-1-" + offset, trigger, List.of(), 0, false, "changes", null, 1);
    return new LaunchBook.Entry(partition, offset, run, 0);
  }

  /** The first attempt of chunk {@code chunkId} of backfill {@code bf}, on {@code trigger}. */
  private static LaunchBook.Entry chunk(
      TopicPartition partition, long offset, String trigger, String chunkId) {
    RunRequested run =
        new RunRequested(
            trigger + ".bf." + chunkId + ".1",
            trigger,
            List.of(),
            0,
            false,
            "backfill",
            new dev.floe.contracts.model.BackfillTag("bf", chunkId, false),
            1);
    return new LaunchBook.Entry(partition, offset, run, 0);
  }

  private static Map<TopicPartition, Long> offsets(Map<TopicPartition, OffsetAndMetadata> m) {
    return m.entrySet().stream()
        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  @Test
  void aPartitionCommitsUpToItsOldestRunNotAnswered() {
    LaunchBook book = new LaunchBook();
    LaunchBook.Entry slow = entry(P0, 10, "slow");
    LaunchBook.Entry quick = entry(P0, 11, "quick");
    book.request(slow);
    book.request(quick);
    book.read(P0, 12);
    assertThat(book.startable(10)).containsExactly(slow, quick);
    // Nothing answered: the position read from is where it stays.
    assertThat(book.positions()).isEmpty();

    book.answered(quick);
    assertThat(book.positions()).isEmpty(); // 10 is still open
    book.answered(slow);
    Map<TopicPartition, OffsetAndMetadata> positions = book.positions();
    assertThat(offsets(positions)).containsExactly(Map.entry(P0, 13L));
    book.committed(positions);
    assertThat(book.positions()).isEmpty();
    assertThat(book.rewindPoints()).containsExactly(Map.entry(P0, 13L));
  }

  @Test
  void aTriggersRunsLaunchOneAtATimeInOrderAndOthersAreNotHeldBack() {
    LaunchBook book = new LaunchBook();
    LaunchBook.Entry first = entry(P0, 0, "a");
    LaunchBook.Entry second = entry(P0, 1, "a");
    LaunchBook.Entry other = entry(P0, 2, "b");
    book.request(first);
    book.request(second);
    book.request(other);

    assertThat(book.startable(10)).containsExactly(first, other);
    assertThat(book.startable(10)).isEmpty(); // both busy
    assertThat(book.launching()).isEqualTo(2);
    book.answered(other);
    assertThat(book.startable(10)).isEmpty(); // a's second waits for its first
    book.answered(first);
    assertThat(book.startable(10)).containsExactly(second);
    // The position passes b's answered run only once a's first is answered: offset 1 is open.
    assertThat(offsets(book.positions())).containsExactly(Map.entry(P0, 1L));
  }

  /** A backfill's chunks of one trigger launch together: the backfill bounds how many run. */
  @Test
  void chunkRunsOfOneTriggerLaunchTogetherAndItsOwnRunsStillInOrder() {
    LaunchBook book = new LaunchBook();
    LaunchBook.Entry own = entry(P0, 0, "a");
    LaunchBook.Entry ownNext = entry(P0, 1, "a");
    LaunchBook.Entry[] chunks = new LaunchBook.Entry[3];
    for (int i = 0; i < chunks.length; i++) {
      chunks[i] = chunk(P0, 2 + i, "a", "c" + i);
    }
    book.request(own);
    book.request(ownNext);
    for (LaunchBook.Entry c : chunks) {
      book.request(c);
    }
    assertThat(book.startable(10)).containsExactly(own, chunks[0], chunks[1], chunks[2]);
    book.answered(chunks[1]);
    assertThat(book.startable(10)).isEmpty(); // the trigger's next run waits for its first
    book.answered(own);
    assertThat(book.startable(10)).containsExactly(ownNext);
  }

  /** One trigger's chunk calls take at most their share of the slots: others still launch. */
  @Test
  void aTriggersChunkCallsAreCappedSoOtherTriggersStillLaunch() {
    LaunchBook book = new LaunchBook(2);
    List<LaunchBook.Entry> chunks = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      chunks.add(chunk(P0, i, "a", "c" + i));
      book.request(chunks.get(i));
    }
    LaunchBook.Entry other = entry(P0, 4, "b");
    book.request(other);
    assertThat(book.startable(10)).containsExactly(chunks.get(0), chunks.get(1), other);
    book.answered(chunks.get(0));
    assertThat(book.startable(10)).containsExactly(chunks.get(2));
  }

  @Test
  void theLimitBoundsTheCallsStartedAndRecordsThatNeedNoLaunchMoveThePosition() {
    LaunchBook book = new LaunchBook();
    book.read(P1, 4);
    for (int i = 0; i < 5; i++) {
      book.request(entry(P0, i, "t" + i));
    }
    assertThat(book.startable(3)).hasSize(3);
    assertThat(book.startable(0)).isEmpty();
    assertThat(book.size()).isEqualTo(5);
    assertThat(offsets(book.positions())).containsExactly(Map.entry(P1, 5L));
  }

  @Test
  void aForgottenPartitionsRunsAreNoLongerLaunchingOrOpen() {
    LaunchBook book = new LaunchBook();
    LaunchBook.Entry gone = entry(P0, 3, "a");
    LaunchBook.Entry kept = entry(P1, 7, "a");
    book.request(gone);
    book.request(kept);
    assertThat(book.startable(10)).containsExactly(gone);

    book.forget(List.of(P0));
    assertThat(book.launching(gone)).isFalse();
    assertThat(book.partitions()).containsExactly(P1);
    // The trigger's run on the partition kept is its oldest now.
    assertThat(book.startable(10)).containsExactly(kept);
    assertThat(book.size()).isEqualTo(1);
  }
}
