package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.LocalStack;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The incremental pipeline end to end, from the packaged services on a broker process and the
 * SQLite catalog: commits on a source table are published, captured into ICDC states, turned into
 * runs, and a real webhook job reads each run's ICDC reference and reports success. Across all runs
 * the job reads every new row exactly once; a burst of commits within the trigger's quiet period is
 * one run of exactly the burst's change sets.
 */
class IncrementalPipelineIT {
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 26, 0, 0, 0, 0, ZoneOffset.UTC);

  /**
   * The burst's four commits are appended back to back; the trigger must see all four change sets
   * before the quiet period passes after any one of them. On a loaded 2-core machine (load average
   * near 50) the capture published them over less than a second; twenty seconds leave a margin for
   * a listener poll falling between two commits, a commit retried on a conflict with the capture's
   * pins, and long pauses, so that only a debounce that does not hold splits the burst.
   */
  private static final Duration QUIET_PERIOD = Duration.ofSeconds(20);

  private static final int BURST = 4;

  /**
   * Commits of the random-commit test: 500 in the soak; in the gate enough for some thirty runs and
   * so, with one call in five failing, failed calls and retried ones all but surely.
   */
  private static final int RANDOM_COMMITS = TestTier.pick(80, 500);

  @Test
  @Timeout(420)
  void aBurstOfCommitsWithinTheQuietPeriodBecomesOneRunOfExactlyItsChangeSets() throws Exception {
    Outcome outcome =
        pipeline(List.of(BURST), 0, new Random(1), "\"quietPeriod\": \"" + QUIET_PERIOD + "\"");

    assertThat(outcome.changes())
        .as("change sets captured from the burst's commits")
        .hasSize(BURST);
    List<String> changeIds = outcome.changes().stream().map(Event::id).toList();
    Duration published =
        Duration.between(
            outcome.changes().stream().map(Event::time).min(Instant::compareTo).orElseThrow(),
            outcome.changes().stream().map(Event::time).max(Instant::compareTo).orElseThrow());
    System.out.printf(
        "pipeline: a burst of %d commits, change sets published over %d ms, quiet period %s%n",
        BURST, published.toMillis(), QUIET_PERIOD);
    assertThat(outcome.requests())
        .as(
            "runs formed from a burst whose change sets were published over %d ms (quiet period"
                + " %s); change sets by run: %s",
            published.toMillis(), QUIET_PERIOD, changeSetsByRun(outcome.requests()))
        .hasSize(1);
    RunRequested run = outcome.requests().get(0);
    assertThat(run.inputs())
        .singleElement()
        .satisfies(
            input -> {
              assertThat(input.changeIds())
                  .as("the run's change sets")
                  .containsExactlyInAnyOrderElementsOf(changeIds);
              // The union state of several change sets is tagged run-<run id> (IcdcUnions).
              assertThat(input.icdc()).as("the run's ICDC state").isNotNull();
              assertThat(input.icdc().ref())
                  .as("the union state the job reads")
                  .isEqualTo("run-" + run.runId());
            });
    assertThat(outcome.rowsByRun().get(run.runId()))
        .as("the rows the job read from the run's union state")
        .containsExactlyInAnyOrderElementsOf(outcome.rows());
  }

  @Test
  @Timeout(900)
  void randomCommitsWithAJobFailingOneCallInFiveLoseNoChange() throws Exception {
    // Runs as soon as changes arrive, three at a time: many runs, many calls to fail.
    Outcome outcome =
        pipeline(
            List.of(RANDOM_COMMITS),
            5,
            new Random(7),
            "\"concurrency\": {\"policy\": \"parallel\", \"maxParallel\": 3}");
    System.out.printf(
        "pipeline: %d commits, %d rows, %d runs, %d job calls answered 500%n",
        RANDOM_COMMITS, outcome.rows().size(), outcome.runIds().size(), outcome.failed().size());
    // The launcher calls again after a 500, with the same run id and attempt: the job accepts
    // that call, once (checked for every attempt in pipeline).
    Set<String> acceptedRuns =
        outcome.accepted().keySet().stream()
            .map(attempt -> attempt.substring(0, attempt.indexOf(" attempt ")))
            .collect(Collectors.toSet());
    assertThat(outcome.failed())
        .as("runs whose call was answered 500")
        .isNotEmpty()
        .anyMatch(acceptedRuns::contains);
  }

  /**
   * What a pipeline run did.
   *
   * @param rows the order ids written, in order
   * @param changes the capture's {@code ChangeCaptured} events, in publication order
   * @param requests the trigger's first requests of each run, in publication order
   * @param rowsByRun the order ids the job read, by run id
   * @param accepted the calls the job accepted, by run id and attempt
   * @param failed the run id of each call the job answered 500
   */
  record Outcome(
      List<Long> rows,
      List<Event> changes,
      List<RunRequested> requests,
      Map<String, List<Long>> rowsByRun,
      Map<String, Integer> accepted,
      List<String> failed) {
    List<String> runIds() {
      return requests.stream().map(RunRequested::runId).distinct().toList();
    }
  }

  /**
   * Runs the whole pipeline on the JVM's shared stack ({@link SharedStack}), on a table of its own:
   * commits in bursts of {@code bursts} appends of one to three rows each, a job answering 500 to
   * every {@code failOneIn}-th call (never when 0), and checks that across all successful runs the
   * job read every new row exactly once and accepted each attempt once. Returns when every commit's
   * change set is in a run requested on {@code floe.runs}.
   */
  private static Outcome pipeline(
      List<Integer> bursts, int failOneIn, Random random, String triggerSettings) throws Exception {
    Map<String, List<Long>> rowsByRun = new ConcurrentHashMap<>();
    List<String> failed = new CopyOnWriteArrayList<>();
    Map<String, Integer> accepted = new ConcurrentHashMap<>();
    AtomicInteger jobCalls = new AtomicInteger();
    ExecutorService job = Executors.newSingleThreadExecutor();
    LocalStack stack = SharedStack.get();
    try (JobServer receiver = JobServer.start(2)) {
      URI listener = stack.services().get(0).url();
      URI capture = stack.services().get(1).url();
      URI trigger = stack.services().get(2).url();
      Catalog catalog = stack.catalog().catalog();
      StackHttp admin = StackHttp.as(stack, "admin");
      StackHttp operator = StackHttp.as(stack, "operator");

      // The job: acknowledges the run (or fails the call), reads each input's ICDC state, and
      // reports success; a run id it has read already is acknowledged and not read again.
      receiver.on(
          "/job",
          call -> {
            // Every failOneIn-th call, from the first: a run of this test fails at least one
            // call however few runs the changes form (a random draw did not, once in a while).
            boolean fail = failOneIn > 0 && jobCalls.getAndIncrement() % failOneIn == 0;
            return Reply.of(fail ? 500 : 200);
          },
          (call, reply) -> {
            String runId = call.runId();
            if (reply.status() == 500) {
              failed.add(runId);
              return;
            }
            JsonNode run = call.json();
            accepted.merge(runId + " attempt " + run.path("attempt").asInt(1), 1, Integer::sum);
            job.submit(
                () -> {
                  if (!rowsByRun.containsKey(runId)) {
                    List<Long> rows = new ArrayList<>();
                    for (JsonNode input : run.get("inputs")) {
                      rows.addAll(IcdcStateRows.orderIds(catalog, input.get("icdc")));
                    }
                    rowsByRun.put(runId, rows);
                  }
                  operator.report(trigger, runId, "{\"status\": \"succeeded\", \"durationMs\": 5}");
                });
          });

      String name = "e2e_" + UUID.randomUUID().toString().substring(0, 6);
      String id = name.replace('_', '-');
      TableWriter writer = new TableWriter(catalog);
      Table source =
          writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
      // The capture pins every captured snapshot with a metadata commit on the source; this
      // writer commits back to back, far denser than a real one, so it may retry more often.
      source.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "20").commit();
      assertThat(
              admin.post(
                  capture.resolve("/captures"),
                  "{\"id\": \"cap-"
                      + id
                      + "\", \"table\": \"demo."
                      + name
                      + "\","
                      + " \"trackedFields\": [\"order_ts\"]}"))
          .isEqualTo(201);
      assertThat(
              admin.post(
                  trigger.resolve("/triggers"),
                  "{\"id\": \"job-"
                      + id
                      + "\", \"inputs\": [{\"capture\": \"cap-"
                      + id
                      + "\"}], "
                      + triggerSettings
                      + ", \"retry\": {\"maxAttempts\": 5,"
                      + " \"backoff\": \"PT1S\"}, \"launcher\": {\"type\": \"webhook\","
                      + " \"url\": \""
                      + receiver.url("/job")
                      + "\"}}"))
          .isEqualTo(201);
      assertThat(admin.post(listener.resolve("/watches"), "{\"table\": \"demo." + name + "\"}"))
          .isIn(200, 201);

      List<Long> written = new ArrayList<>();
      long order = 1;
      for (int commits : bursts) {
        for (int commit = 0; commit < commits; commit++) {
          List<Record> rows = new ArrayList<>();
          int n = 1 + random.nextInt(3);
          for (int i = 0; i < n; i++) {
            rows.add(
                Orders.order(
                    source,
                    order,
                    "eu-west",
                    "NEW",
                    BigDecimal.ONE,
                    DAY.plusDays(random.nextInt(5)).plusMinutes(order % 1440)));
            written.add(order++);
          }
          writer.append(source, rows);
        }
        int expected = written.size();
        await()
            // Bounded for a slow 2-core machine: a run of a few hundred change sets commits its
            // union state and the job reads it while four services share the cores.
            .atMost(Duration.ofSeconds(600))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> rowsByRun.values().stream().mapToInt(List::size).sum() >= expected);
      }

      List<Long> read = rowsByRun.values().stream().flatMap(List::stream).sorted().toList();
      assertThat(read).as("every new row read exactly once").containsExactlyElementsOf(written);
      // Without a crash nothing is launched twice: the receiver accepts each attempt once (a call
      // it answered 500 is retried, and the retry is not a second delivery).
      assertThat(accepted)
          .as("accepted calls by run and attempt")
          .isNotEmpty()
          .allSatisfy((attempt, calls) -> assertThat(calls).as(attempt).isEqualTo(1));

      // Every commit's change set is on floe.changes and in a run requested on floe.runs: with
      // nothing left pending, no further run can form.
      String captureId = "cap-" + id;
      String triggerId = "job-" + id;
      int commits = bursts.stream().mapToInt(Integer::intValue).sum();
      try (EventTap changeTap = new EventTap(stack.kafka().bootstrapServers(), Topics.CHANGES);
          EventTap runTap = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  List<String> captured =
                      changesOf(changeTap.poll(Duration.ofMillis(200)), captureId).stream()
                          .map(Event::id)
                          .toList();
                  List<String> inRuns =
                      requestsOf(runTap.poll(Duration.ofMillis(200)), triggerId).stream()
                          .flatMap(r -> r.inputs().stream())
                          .flatMap(input -> input.changeIds().stream())
                          .toList();
                  return captured.size() >= commits && inRuns.containsAll(captured);
                });
        return new Outcome(
            written,
            changesOf(changeTap.drain(), captureId),
            requestsOf(runTap.drain(), triggerId),
            Map.copyOf(rowsByRun),
            Map.copyOf(accepted),
            List.copyOf(failed));
      }
    } finally {
      job.shutdownNow();
    }
  }

  private static Map<String, Integer> changeSetsByRun(List<RunRequested> requests) {
    Map<String, Integer> sets = new LinkedHashMap<>();
    requests.forEach(
        r -> sets.put(r.runId(), r.inputs().stream().mapToInt(i -> i.changeIds().size()).sum()));
    return sets;
  }

  /** The capture's {@code ChangeCaptured} events, each once, in publication order. */
  private static List<Event> changesOf(List<EventTap.Received> received, String captureId) {
    Map<String, Event> byId = new LinkedHashMap<>();
    for (EventTap.Received r : received) {
      if (r.event().payload() instanceof ChangeCaptured change
          && change.captureId().equals(captureId)) {
        byId.putIfAbsent(r.event().id(), r.event());
      }
    }
    return List.copyOf(byId.values());
  }

  /** The trigger's first request of each run, in publication order. */
  private static List<RunRequested> requestsOf(List<EventTap.Received> received, String triggerId) {
    Map<String, RunRequested> byRun = new LinkedHashMap<>();
    for (EventTap.Received r : received) {
      if (r.event().payload() instanceof RunRequested request
          && request.triggerId().equals(triggerId)) {
        byRun.putIfAbsent(request.runId(), request);
      }
    }
    return List.copyOf(byRun.values());
  }
}
