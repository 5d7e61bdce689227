package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.floe.stack.LocalStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * the job reads every new row exactly once.
 */
class IncrementalPipelineIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 26, 0, 0, 0, 0, ZoneOffset.UTC);

  @Test
  @Timeout(420)
  void commitsBecomeRunsWhoseIcdcStatesHoldExactlyTheNewRows() throws Exception {
    // Two bursts of four commits: each settles into a run of four change sets (a union state).
    Outcome outcome =
        pipeline("pipeline", List.of(4, 4), 0, new Random(1), "\"quietPeriod\": \"PT1S\"");
    assertThat(outcome.runs()).isGreaterThanOrEqualTo(2);
  }

  @Test
  @Timeout(900)
  void fiveHundredRandomCommitsWithAJobFailingOneCallInFiveLoseNoChange() throws Exception {
    // Runs as soon as changes arrive, three at a time: many runs, many calls to fail.
    Outcome outcome =
        pipeline(
            "pipeline-500",
            List.of(500),
            5,
            new Random(7),
            "\"concurrency\": {\"policy\": \"parallel\", \"maxParallel\": 3}");
    assertThat(outcome.failedCalls()).isPositive();
    System.out.printf(
        "pipeline: 500 commits, %d rows, %d runs, %d job calls answered 500%n",
        outcome.rows(), outcome.runs(), outcome.failedCalls());
  }

  /** What a pipeline run did. */
  record Outcome(int rows, int runs, int failedCalls) {}

  /**
   * Runs the whole pipeline on a fresh local stack: commits in bursts of {@code bursts} appends of
   * one to three rows each, a job answering 500 to one call in {@code failOneIn} (never when 0),
   * and checks that across all successful runs the job read every new row exactly once.
   */
  private static Outcome pipeline(
      String label, List<Integer> bursts, int failOneIn, Random random, String triggerSettings)
      throws Exception {
    LocalStack.Options options = TestStacks.options(label);
    Map<String, List<Long>> rowsByRun = new ConcurrentHashMap<>();
    List<String> failed = new CopyOnWriteArrayList<>();
    Map<String, Integer> accepted = new ConcurrentHashMap<>();
    ExecutorService job = Executors.newSingleThreadExecutor();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    try (LocalStack stack = LocalStack.start(options)) {
      URI listener = stack.services().get(0).url();
      URI capture = stack.services().get(1).url();
      URI trigger = stack.services().get(2).url();
      Catalog catalog = stack.catalog().catalog();
      StackHttp admin = StackHttp.as(stack, "admin");
      StackHttp operator = StackHttp.as(stack, "operator");

      // The job: acknowledges the run (or fails the call), reads each input's ICDC state, and
      // reports success; a run id it has read already is acknowledged and not read again.
      receiver.createContext(
          "/job",
          exchange -> {
            JsonNode run = JSON.readTree(exchange.getRequestBody().readAllBytes());
            String runId = run.get("runId").asText();
            boolean fail;
            synchronized (random) {
              fail = failOneIn > 0 && random.nextInt(failOneIn) == 0;
            }
            exchange.sendResponseHeaders(fail ? 500 : 200, -1);
            exchange.close();
            if (fail) {
              failed.add(runId);
              return;
            }
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
      receiver.start();

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
                      + " \"url\": \"http://127.0.0.1:"
                      + receiver.getAddress().getPort()
                      + "/job\"}}"))
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
      return new Outcome(written.size(), rowsByRun.size(), failed.size());
    } finally {
      receiver.stop(0);
      job.shutdownNow();
    }
  }
}
