package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.stack.LocalStack;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The backfill at scale, a benchmark on the packaged services, a broker process and the SQLite
 * catalog: a backfill of 10,000 day chunks is planned (10,000 zero-copy ICDC states, 100 per
 * commit, the plan written to the inbox in pages, in one Kafka transaction), runs every chunk
 * through the trigger-service's webhook launcher at its concurrency limit, and meanwhile its status
 * is asked for again and again. It reports the planning time, the chunks run per second, the most
 * chunk jobs seen at once against the limit, and the status call's latency percentiles.
 *
 * <p>The backfill-service runs with the heap the Kubernetes deployment gives it (600 MiB, 60 % of
 * its 1 GiB limit; {@code -Dfloe.stack.backfill-service.heap}), not the tests' 256 MiB: planning
 * 10,000 chunks holds the ICDC table's metadata of 10,000 states.
 *
 * <p>About ten minutes, so it runs only when asked: {@code testing/bin/floe-bench backfill-scale},
 * or {@code mvn -pl testing/end-to-end verify -Dit.test=BackfillScaleIT
 * -Dfloe.backfill-scale=true}; {@code -Dfloe.backfill-scale.chunks} and {@code
 * -Dfloe.backfill-scale.concurrency} shape it. Its figures go to {@code
 * target/backfill-scale.json}.
 */
@EnabledIfSystemProperty(named = "floe.backfill-scale", matches = "true")
class BackfillScaleIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OffsetDateTime START =
      OffsetDateTime.of(1990, 1, 1, 12, 0, 0, 0, ZoneOffset.UTC);

  /** How long each chunk's job takes before it reports success. */
  private static final Duration JOB_TAKES = Duration.ofMillis(50);

  @Test
  @Timeout(3600)
  void tenThousandChunksArePlannedRunAtTheirConcurrencyAndAnswerStatusQuickly() throws Exception {
    int chunks = Integer.getInteger("floe.backfill-scale.chunks", 10_000);
    int concurrency = Integer.getInteger("floe.backfill-scale.concurrency", 50);
    LocalStack stack = SharedStack.get();
    StackHttp admin = StackHttp.as(stack, "admin");
    StackHttp operator = StackHttp.as(stack, "operator");
    URI triggers = stack.service("trigger-service").url();
    URI backfills = stack.service("backfill-service").url();

    // One order a day for `chunks` days: one data file per day partition, so one chunk per day.
    TableWriter writer = new TableWriter(stack.catalog().catalog());
    String name = "bf_scale_" + UUID.randomUUID().toString().substring(0, 6);
    Table table =
        writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
    long writing = System.nanoTime();
    List<Record> rows = new ArrayList<>();
    for (int day = 0; day < chunks; day++) {
      rows.add(Orders.order(table, day, "eu-west", "NEW", BigDecimal.ONE, START.plusDays(day)));
      if (rows.size() == 1_000 || day == chunks - 1) {
        writer.append(table, rows);
        rows.clear();
      }
    }
    Duration wrote = Duration.ofNanos(System.nanoTime() - writing);

    // The job: takes JOB_TAKES, then reports success; counts the runs it holds at once.
    // Reports are blocking calls that a busy service may answer late: enough threads that the job
    // is never what holds the chunks back.
    ScheduledExecutorService jobs = Executors.newScheduledThreadPool(concurrency);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Map<String, AtomicInteger> runsByChunk = new ConcurrentHashMap<>();
    JobServer receiver =
        JobServer.start(4)
            .on(
                "/job",
                call -> Reply.of(202),
                call -> {
                  if (!call.json().path("backfill").hasNonNull("chunkId")) {
                    return; // a run of the trigger's own, not a chunk's
                  }
                  String runId = call.runId();
                  runsByChunk
                      .computeIfAbsent(
                          call.json().path("backfill").path("chunkId").asText(),
                          c -> new AtomicInteger())
                      .incrementAndGet();
                  maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                  jobs.schedule(
                      () -> {
                        inFlight.decrementAndGet();
                        operator.report(
                            triggers, runId, "{\"status\": \"succeeded\", \"durationMs\": 50}");
                      },
                      JOB_TAKES.toMillis(),
                      TimeUnit.MILLISECONDS);
                });
    String trigger = "scale-job-" + name;
    assertThat(
            admin.post(
                triggers.resolve("/triggers"),
                "{\"id\": \""
                    + trigger
                    + "\", \"inputs\": [{\"table\": \"demo."
                    + name
                    + "\"}], \"launcher\": {\"type\": \"webhook\", \"url\": \""
                    + receiver.url("/job")
                    + "\"}}"))
        .isEqualTo(201);

    String id = "scale-" + name.substring(name.length() - 6);
    String body =
        "{\"id\": \""
            + id
            + "\", \"table\": \"demo."
            + name
            + "\", \"range\": {\"field\": \"order_ts\", \"from\": \""
            + START.minusHours(12).toInstant()
            + "\", \"to\": \""
            + START.plusDays(chunks).minusHours(12).toInstant()
            + "\"}, \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \""
            + trigger
            + "\", \"concurrency\": "
            + concurrency
            + "}";
    long planning = System.nanoTime();
    HttpResponse<String> created =
        operator.send("POST", backfills.resolve("/backfills"), body, Duration.ofMinutes(30));
    Duration planned = Duration.ofNanos(System.nanoTime() - planning);
    assertThat(created.statusCode()).as(created.body()).isIn(201, 202);
    long running = System.nanoTime();

    // Status, asked for while the chunks run: the totals with the default page of 100 chunks;
    // every fifth time also a page of 1,000 chunks, timed apart.
    List<Long> statusMicros = new ArrayList<>();
    List<Long> pageMicros = new ArrayList<>();
    AtomicInteger asks = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    AtomicInteger unavailable = new AtomicInteger();
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofMinutes(40))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              long asked = System.nanoTime();
              HttpResponse<String> status =
                  operator.send("GET", backfills.resolve("/backfills/" + id), null);
              long micros = (System.nanoTime() - asked) / 1_000;
              // 503 while the store restores or moves: counted apart, and asked again.
              assertThat(status.statusCode()).as(status.body()).isIn(200, 503);
              if (status.statusCode() != 200) {
                unavailable.incrementAndGet();
                return false;
              }
              statusMicros.add(micros);
              if (asks.incrementAndGet() % 5 == 0) {
                long pageAsked = System.nanoTime();
                HttpResponse<String> page =
                    operator.send(
                        "GET", backfills.resolve("/backfills/" + id + "?chunkLimit=1000"), null);
                if (page.statusCode() == 200) {
                  pageMicros.add((System.nanoTime() - pageAsked) / 1_000);
                  assertThat(JSON.readTree(page.body()).path("chunks").size())
                      .isEqualTo(Math.min(1000, chunks));
                }
              }
              last[0] = JSON.readTree(status.body());
              assertThat(last[0].path("chunks").size()).isEqualTo(Math.min(100, chunks));
              maxRunning.accumulateAndGet(
                  last[0].path("chunkStates").path("running").asInt(), Math::max);
              return last[0].path("state").asText().equals("completed");
            });
    Duration ran = Duration.ofNanos(System.nanoTime() - running);
    receiver.close();
    jobs.shutdownNow();

    JsonNode done = last[0];
    assertThat(done.path("totals").path("chunks").asInt()).isEqualTo(chunks);
    assertThat(done.path("chunkStates").path("succeeded").asInt()).isEqualTo(chunks);
    assertThat(runsByChunk).hasSize(chunks).allSatisfy((c, n) -> assertThat(n.get()).isOne());
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(concurrency);
    assertThat(maxRunning.get())
        .as("chunks running, as the status showed them")
        .isEqualTo(concurrency);

    List<Long> sorted = statusMicros.stream().sorted().toList();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("benchmark", "backfill-scale");
    figures.put("chunks", chunks);
    figures.put("concurrency", concurrency);
    figures.put("sourceWriteSeconds", wrote.toMillis() / 1000.0);
    figures.put("planSeconds", planned.toMillis() / 1000.0);
    figures.put("runSeconds", ran.toMillis() / 1000.0);
    figures.put("chunksPerSecond", Math.round(chunks * 10_000.0 / ran.toMillis()) / 10.0);
    figures.put("maxRunningInStatus", maxRunning.get());
    figures.put("maxJobsAtOnce", maxInFlight.get());
    figures.put("statusCalls", sorted.size());
    figures.put("statusUnavailable", unavailable.get());
    figures.put("statusP50Ms", percentile(sorted, 50));
    figures.put("statusP99Ms", percentile(sorted, 99));
    figures.put("statusMaxMs", sorted.get(sorted.size() - 1) / 1000.0);
    List<Long> pages = pageMicros.stream().sorted().toList();
    figures.put("pageOf1000Calls", pages.size());
    if (!pages.isEmpty()) {
      figures.put("pageOf1000P50Ms", percentile(pages, 50));
      figures.put("pageOf1000P99Ms", percentile(pages, 99));
    }
    System.out.printf("backfill-scale: %s%n", figures);
    Files.createDirectories(Path.of("target"));
    Files.writeString(
        Path.of("target", "backfill-scale.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(figures));
  }

  private static double percentile(List<Long> sortedMicros, int p) {
    int at = (int) Math.ceil(p / 100.0 * sortedMicros.size()) - 1;
    return sortedMicros.get(Math.max(0, at)) / 1000.0;
  }
}
