package dev.floe.stack.it;

import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.LocalStack;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.test.EventTap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each commit reached each stage of the pipeline, as a downstream consumer sees it: its {@code
 * SnapshotCommitted} on {@code floe.snapshots}, the {@code ChangeCaptured} that covers it on {@code
 * floe.changes}, the {@code RunRequested} that covers it on {@code floe.runs}; and the resident
 * memory of each service while it runs. Reads on its own thread until closed.
 */
final class StageClock implements AutoCloseable {
  /** The stages, in pipeline order. */
  static final List<String> STAGES = List.of("SnapshotCommitted", "ChangeCaptured", "RunRequested");

  private final LocalStack stack;
  private final Map<Long, Long> committedAt = new ConcurrentHashMap<>();
  private final Map<String, Map<Long, Long>> seenAt = new ConcurrentHashMap<>();
  private final Map<String, Long> peakRss = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  StageClock(LocalStack stack) {
    this.stack = stack;
    STAGES.forEach(stage -> seenAt.put(stage, new ConcurrentHashMap<>()));
    this.thread = new Thread(this::run, "stage-clock");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** A commit, at its snapshot's commit timestamp. */
  void committed(long snapshotId, long timestampMillis) {
    committedAt.put(snapshotId, timestampMillis);
  }

  /**
   * Forgets the commits recorded so far: their latencies are not reported. A warm-up's commits,
   * drained before the measured ones begin.
   */
  void forget() {
    committedAt.clear();
  }

  /** The resident memory of each service now, by name. */
  Map<String, Long> rss() {
    Map<String, Long> rss = new LinkedHashMap<>();
    for (ServiceProcess service : stack.services()) {
      rss.put(service.name(), service.rssBytes());
    }
    return rss;
  }

  /** The highest resident memory each service reached since this clock started. */
  Map<String, Long> peakRss() {
    return Map.copyOf(peakRss);
  }

  /**
   * Commit-to-stage latencies in milliseconds, of every recorded commit that reached the stage
   * (compactions reach no run: triggers ignore them).
   */
  List<Long> latencies(String stage) {
    List<Long> out = new ArrayList<>();
    Map<Long, Long> seen = seenAt.get(stage);
    committedAt.forEach(
        (snapshot, at) -> {
          Long reached = seen.get(snapshot);
          if (reached != null) {
            out.add(Math.max(0, reached - at));
          }
        });
    out.sort(Long::compare);
    return out;
  }

  private void run() {
    String bootstrap = stack.kafka().bootstrapServers();
    try (EventTap snapshots = new EventTap(bootstrap, Topics.SNAPSHOTS);
        EventTap changes = new EventTap(bootstrap, Topics.CHANGES);
        EventTap runs = new EventTap(bootstrap, Topics.RUNS)) {
      int seenSnapshots = 0;
      int seenChanges = 0;
      int seenRuns = 0;
      long nextRss = 0;
      while (running) {
        List<EventTap.Received> s = snapshots.poll(Duration.ofMillis(20));
        List<EventTap.Received> c = changes.poll(Duration.ofMillis(20));
        List<EventTap.Received> r = runs.poll(Duration.ofMillis(20));
        long now = System.currentTimeMillis();
        for (EventTap.Received e : s.subList(seenSnapshots, s.size())) {
          if (e.event().payload() instanceof SnapshotCommitted committed) {
            seenAt.get("SnapshotCommitted").putIfAbsent(committed.snapshotId(), now);
          }
        }
        for (EventTap.Received e : c.subList(seenChanges, c.size())) {
          if (e.event().payload() instanceof ChangeCaptured change) {
            change
                .range()
                .snapshotIds()
                .forEach(id -> seenAt.get("ChangeCaptured").putIfAbsent(id, now));
          }
        }
        for (EventTap.Received e : r.subList(seenRuns, r.size())) {
          if (e.event().payload() instanceof RunRequested run) {
            for (RunInput input : run.inputs()) {
              for (SnapshotRange range : input.snapshotRanges()) {
                range.snapshotIds().forEach(id -> seenAt.get("RunRequested").putIfAbsent(id, now));
              }
            }
          }
        }
        seenSnapshots = s.size();
        seenChanges = c.size();
        seenRuns = r.size();
        if (now >= nextRss) {
          rss().forEach((name, bytes) -> peakRss.merge(name, bytes, Math::max));
          nextRss = now + 1000;
        }
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
