package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.cli.Floe;
import dev.floe.contracts.event.BackfillCancelled;
import dev.floe.contracts.event.BackfillChunkStateChanged;
import dev.floe.contracts.event.BackfillCompleted;
import dev.floe.contracts.event.BackfillEvent;
import dev.floe.contracts.event.BackfillPaused;
import dev.floe.contracts.event.BackfillResumed;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.ChunkState;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.LocalStack;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.test.RowsById;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * Backfills end to end, from the packaged services on a broker process and the SQLite catalog. The
 * backfill-service plans each chunk as a zero-copy ICDC state and requests its run; the
 * trigger-service launches it through the trigger's webhook; a real job (this test's HTTP receiver)
 * reads the chunk's ICDC state, overwrites the chunk's days in a target table and reports back over
 * {@code POST /runs/{id}/status}; the backfill-service validates each chunk by record counts from
 * the target's metadata.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackfillIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OffsetDateTime OCT_1 =
      OffsetDateTime.of(2026, 10, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  /** Days of the source, a chunk each: 20 in the gate, 30 in the soak. */
  private static final int DAYS = TestTier.pick(20, 30);

  private static final String TRIGGER = "backfill-job";

  private LocalStack stack;
  private JobServer receiver;
  private final ExecutorService jobs = Executors.newFixedThreadPool(8);
  private Catalog catalog;
  private TableWriter writer;
  private String source;
  private URI backfills;
  private URI triggers;

  /** How the job behaves for one backfill, and what it saw. */
  static final class Job {
    final String target;
    final Set<String> failChunks = ConcurrentHashMap.newKeySet();

    /** Whether every chunk's first attempt fails transiently (a failing chunk fails for good). */
    volatile boolean failFirstAttempts;

    final Semaphore gate;
    final Map<String, AtomicInteger> runsByChunk = new ConcurrentHashMap<>();
    final List<String> runIds = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();

    /** For a job without a target: each chunk's run input, which it only reads. */
    final Map<String, JsonNode> inputsByChunk = new ConcurrentHashMap<>();

    Job(String target, Semaphore gate) {
      this.target = target;
      this.gate = gate;
    }

    int received() {
      return runIds.size();
    }
  }

  private final Map<String, Job> jobsByBackfill = new ConcurrentHashMap<>();
  private StackHttp admin;
  private StackHttp operator;

  @BeforeAll
  void start() throws Exception {
    stack = SharedStack.get();
    catalog = stack.catalog().catalog();
    writer = new TableWriter(catalog);
    triggers = stack.service("trigger-service").url();
    backfills = stack.service("backfill-service").url();
    admin = StackHttp.as(stack, "admin");
    operator = StackHttp.as(stack, "operator");

    receiver =
        JobServer.start(2)
            .on("/job", call -> Reply.of(202), call -> jobs.submit(() -> runJob(call.json())));

    // DAYS days of orders, 20 a day, in commits of ten day-partitions each.
    String name = "bf_src_" + UUID.randomUUID().toString().substring(0, 6);
    Table table =
        writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
    Random random = new Random(11);
    List<Record> rows = new ArrayList<>();
    for (int day = 0; day < DAYS; day++) {
      for (int i = 0; i < 20; i++) {
        rows.add(
            Orders.order(
                table,
                day * 100L + i,
                random.nextBoolean() ? "eu-west" : "us-east",
                "NEW",
                BigDecimal.valueOf(random.nextInt(10_000), 2),
                OCT_1.plusDays(day).plusMinutes(random.nextInt(1440))));
      }
      if (day % 10 == 9) {
        writer.append(table, rows);
        rows.clear();
      }
    }
    source = "demo." + name;
    assertThat(
            admin.post(
                triggers.resolve("/triggers"),
                "{\"id\": \""
                    + TRIGGER
                    + "\", \"inputs\": [{\"table\": \""
                    + source
                    + "\"}], \"retry\": {\"maxAttempts\": 1, \"backoff\": \"PT1S\"},"
                    + " \"launcher\": {\"type\": \"webhook\", \"url\": \""
                    + receiver.url("/job")
                    + "\"}}"))
        .isEqualTo(201);
  }

  @AfterAll
  void stop() {
    if (receiver != null) {
      receiver.close();
    }
    jobs.shutdownNow();
    // The stack is the JVM's shared one: it stops when the JVM exits.
  }

  @Test
  @Timeout(300)
  void aBackfillOfEveryDayRunsAValidatedChunkADayThreeAtATimeAndCopiesTheSourceRowForRow() {
    String id = "every-day";
    Job job = job(id, null);
    JsonNode created = create(id, job, 3, DAYS);
    assertThat(created.path("chunks")).hasSize(DAYS);
    assertThat(created.path("totals").path("records").asLong()).isEqualTo(DAYS * 20L);
    assertThat(created.path("chunks").get(0).path("icdc").path("ref").asText())
        .isEqualTo("backfill-every-day-2026-10-01");

    JsonNode done = awaitState(id, "completed", Duration.ofSeconds(240));
    assertThat(done.path("chunkStates").path("validated").asInt()).isEqualTo(DAYS);
    for (JsonNode chunk : done.path("chunks")) {
      assertThat(chunk.path("validation").path("expected").asLong()).isEqualTo(20);
      assertThat(chunk.path("validation").path("actual").asLong()).isEqualTo(20);
    }
    assertThat(job.runsByChunk).hasSize(DAYS).allSatisfy((c, n) -> assertThat(n.get()).isOne());
    assertThat(job.maxInFlight.get()).as("chunks running at once").isEqualTo(3);
    assertThat(rows(job.target)).isEqualTo(rows(source));
    // Every commit of the job carries its chunk's tag, for captures of the target downstream.
    Table target = catalog.loadTable(identifier(job.target));
    assertThat(target.snapshots())
        .hasSize(DAYS)
        .allSatisfy(
            s -> assertThat(BackfillTag.fromSummary(s.summary()).backfillId()).isEqualTo(id));
    System.out.printf(
        "backfill: %d chunks, at most %d running at once, %s%n",
        DAYS, job.maxInFlight.get(), done.path("finishedAt").asText());
  }

  @Test
  @Timeout(300)
  void aJobFailingOnTwoChunksFailsTheBackfillNamingThemAndARetryRunsOnlyThoseTwo() {
    String id = "two-fail";
    Job job = job(id, null);
    job.failChunks.addAll(List.of("2026-10-07", "2026-10-19"));
    create(id, job, 3, DAYS);
    JsonNode failed = awaitState(id, "failed", Duration.ofSeconds(240));
    assertThat(failed.path("failedChunks"))
        .extracting(JsonNode::asText)
        .containsExactly("2026-10-07", "2026-10-19");
    assertThat(failed.path("chunkStates").path("validated").asInt()).isEqualTo(DAYS - 2);
    int before = job.received();
    assertThat(before).isEqualTo(DAYS);

    job.failChunks.clear();
    assertThat(operator.post(backfills.resolve("/backfills/" + id + "/retry"), "")).isIn(200, 202);
    JsonNode done = awaitState(id, "completed", Duration.ofSeconds(120));
    assertThat(done.path("retries").asInt()).isOne();
    List<String> again = job.runIds.subList(before, job.received());
    assertThat(again)
        .containsExactlyInAnyOrder(
            TRIGGER + "." + id + ".2026-10-07.2", TRIGGER + "." + id + ".2026-10-19.2");
    assertThat(rows(job.target)).isEqualTo(rows(source));
  }

  @Test
  @Timeout(300)
  void aChunkFailingTransientlyRunsAgainByItselfAndAPermanentFailureDoesNot() {
    // Every chunk's first attempt fails transiently: each runs again after its back-off, by itself.
    String id = "flaky";
    Job job = job(id, null);
    job.failFirstAttempts = true;
    create(id, job, 2, 4, ", \"retry\": {\"maxAttempts\": 2, \"backoff\": \"PT1S\"}");
    JsonNode done = awaitState(id, "completed", Duration.ofSeconds(120));
    assertThat(done.path("chunkStates").path("validated").asInt()).isEqualTo(4);
    assertThat(done.path("retries").asInt()).as("no operator retry").isZero();
    assertThat(job.runsByChunk).hasSize(4).allSatisfy((c, n) -> assertThat(n.get()).isEqualTo(2));
    assertThat(job.runIds)
        .hasSize(8)
        .doesNotHaveDuplicates()
        .allMatch(r -> r.endsWith(".1") || r.endsWith(".2"));
    assertThat(done.path("chunks")).hasSize(4);
    for (JsonNode chunk : done.path("chunks")) {
      assertThat(chunk.path("attempt").asInt()).isEqualTo(2);
    }

    // A permanent failure fails its chunk at once; the other chunk's transient one is retried.
    String bad = "flaky-bad";
    Job badJob = job(bad, null);
    badJob.failFirstAttempts = true;
    badJob.failChunks.add("2026-10-01");
    create(bad, badJob, 2, 2, ", \"retry\": {\"maxAttempts\": 3, \"backoff\": \"PT1S\"}");
    JsonNode failed = awaitState(bad, "failed", Duration.ofSeconds(120));
    assertThat(failed.path("failedChunks"))
        .extracting(JsonNode::asText)
        .containsExactly("2026-10-01");
    assertThat(failed.path("chunkStates").path("validated").asInt()).isOne();
    assertThat(badJob.runsByChunk.get("2026-10-01").get()).isOne();
    assertThat(badJob.runsByChunk.get("2026-10-02").get()).isEqualTo(2);
  }

  @Test
  @Timeout(300)
  void aBackfillServiceKilledMidwayCompletesAfterRestartWithEveryChunkRunExactlyOnce() {
    String id = "killed";
    Job job = job(id, null);
    create(id, job, 2, DAYS);
    List<Integer> kills = new ArrayList<>();
    // After about a quarter and three fifths of the chunk runs: 5 and 12 of 20, 8 and 18 of 30.
    for (int at : new int[] {DAYS * 4 / 15, DAYS * 3 / 5}) {
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> job.received() >= at);
      stack.service("backfill-service").kill();
      kills.add(job.received());
      stack.restart("backfill-service");
    }

    JsonNode done = awaitState(id, "completed", Duration.ofSeconds(240));
    assertThat(done.path("chunkStates").path("validated").asInt()).isEqualTo(DAYS);
    assertThat(job.runsByChunk).hasSize(DAYS).allSatisfy((c, n) -> assertThat(n.get()).isOne());
    assertThat(job.runIds).doesNotHaveDuplicates().hasSize(DAYS);
    assertThat(rows(job.target)).isEqualTo(rows(source));
    System.out.printf(
        "backfill: killed after %s of %d chunk runs, completed after restarts%n", kills, DAYS);
  }

  @Test
  @Timeout(300)
  void pauseHoldsNewChunksResumeGoesOnAndCancelStopsNewChunks() {
    String id = "steered";
    Semaphore gate = new Semaphore(0);
    Job job = job(id, gate);
    try (EventTap lifecycle = new EventTap(stack.kafka().bootstrapServers(), Topics.BACKFILLS)) {
      create(id, job, 1, DAYS);
      await().atMost(Duration.ofSeconds(60)).until(() -> job.received() == 1);

      assertThat(operator.post(backfills.resolve("/backfills/" + id + "/pause?reason=window"), ""))
          .isIn(200, 202);
      assertThat(get(id).path("state").asText()).isEqualTo("paused");
      gate.release(); // the running chunk finishes; nothing new starts
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> get(id).path("chunkStates").path("validated").asInt() == 1);
      JsonNode paused = get(id);

      assertThat(operator.post(backfills.resolve("/backfills/" + id + "/resume"), ""))
          .isIn(200, 202);
      // The resume is the marker: a chunk started while paused would come before it.
      assertThat(chunksStarted(lifecycle, id, BackfillPaused.class, BackfillResumed.class))
          .as("chunks started between the pause and the resume")
          .isEmpty();
      assertThat(paused.path("chunkStates").path("pending").asInt()).isEqualTo(DAYS - 1);
      // One chunk of DAYS ended, in per cent to a tenth.
      assertThat(paused.path("progress").asDouble()).isEqualTo(Math.round(1000.0 / DAYS) / 10.0);
      assertThat(paused.hasNonNull("eta")).as("an ETA once a chunk has ended").isTrue();
      await().atMost(Duration.ofSeconds(60)).until(() -> job.received() == 2);

      assertThat(operator.post(backfills.resolve("/backfills/" + id + "/cancel"), ""))
          .isIn(200, 202);
      assertThat(get(id).path("state").asText()).isEqualTo("cancelling");
      gate.release(100);
      JsonNode cancelled = awaitState(id, "cancelled", Duration.ofSeconds(60));
      // The backfill's last event is the marker: it ends only once every chunk started has.
      assertThat(chunksStarted(lifecycle, id, BackfillCancelled.class, BackfillCompleted.class))
          .as("chunks started between the cancel and the end")
          .isEmpty();
      assertThat(job.runIds).hasSize(2);
      assertThat(cancelled.path("chunkStates").path("validated").asInt()).isEqualTo(2);
      assertThat(cancelled.path("chunkStates").path("cancelled").asInt()).isEqualTo(DAYS - 2);
    }
  }

  /**
   * The chunks of backfill {@code id} that started after its event of type {@code from} and before
   * its later event of type {@code marker}, read once the marker has arrived. A backfill's events
   * share one partition, in revision order: whatever came before the marker has been read.
   */
  private List<String> chunksStarted(
      EventTap lifecycle,
      String id,
      Class<? extends BackfillEvent> from,
      Class<? extends BackfillEvent> marker) {
    long end =
        lifecycle
            .await(
                BackfillEvent.class,
                e -> e.backfillId().equals(id) && marker.isInstance(e),
                Duration.ofSeconds(60))
            .revision();
    List<BackfillEvent> events =
        lifecycle.payloads(BackfillEvent.class, e -> e.backfillId().equals(id));
    long start =
        events.stream()
            .filter(from::isInstance)
            .mapToLong(BackfillEvent::revision)
            .max()
            .orElseThrow(() -> new AssertionError("no " + from.getSimpleName() + " of " + id));
    assertThat(start)
        .as("%s before %s", from.getSimpleName(), marker.getSimpleName())
        .isLessThan(end);
    return events.stream()
        .filter(e -> e.revision() > start && e.revision() < end)
        .filter(BackfillChunkStateChanged.class::isInstance)
        .map(BackfillChunkStateChanged.class::cast)
        .filter(c -> c.state() == ChunkState.RUNNING)
        .map(BackfillChunkStateChanged::chunkId)
        .toList();
  }

  @Test
  @Timeout(300)
  void theCliDrivesABackfillFromCreateToCompleted() {
    String id = "from-cli";
    Job job = job(id, null);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Floe());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit =
        cli.execute(
            "backfill",
            "create",
            "--url",
            backfills.toString(),
            "--token-file",
            stack.tokenFile("operator").toString(),
            "--id",
            id,
            "--table",
            source,
            "--field",
            "order_ts",
            "--from",
            "2026-10-01T00:00:00Z",
            "--to",
            "2026-10-06T00:00:00Z",
            "--chunking",
            "day",
            "--chunk-field",
            "order_ts",
            "--trigger",
            TRIGGER,
            "--concurrency",
            "2",
            "--max-attempts",
            "3",
            "--validate-target",
            job.target,
            "--wait",
            "--interval",
            "PT0.5S",
            "--timeout",
            "PT3M");
    assertThat(exit).as("exit code; stderr: %s", err).isEqualTo(Floe.OK);
    assertThat(out.toString())
        .contains("created backfill from-cli", "backfill from-cli: COMPLETED, 5 chunks", "100.0%");
    assertThat(job.runsByChunk).hasSize(5);
    assertThat(
            read(operator.send("GET", backfills.resolve("/backfills/" + id), null).body())
                .path("spec")
                .path("retry"))
        .hasToString("{\"maxAttempts\":3,\"backoff\":\"PT1S\"}");

    StringWriter refusedOut = new StringWriter();
    StringWriter refusedErr = new StringWriter();
    cli.setOut(new PrintWriter(refusedOut));
    cli.setErr(new PrintWriter(refusedErr));
    int refused =
        cli.execute(
            "backfill",
            "create",
            "--url",
            backfills.toString(),
            "--token-file",
            stack.tokenFile("operator").toString(),
            "--table",
            source,
            "--chunking",
            "hour",
            "--chunk-field",
            "region",
            "--trigger",
            TRIGGER);
    assertThat(refused).isEqualTo(Floe.REFUSED);
    assertThat(refusedErr.toString()).contains("HTTP 400", "chunking.field");

    StringWriter statusOut = new StringWriter();
    cli.setOut(new PrintWriter(statusOut));
    assertThat(
            cli.execute(
                "backfill",
                "status",
                id,
                "--url",
                backfills.toString(),
                "--token-file",
                stack.tokenFile("viewer").toString()))
        .isZero();
    assertThat(statusOut.toString()).contains("2026-10-05", "validated");

    // Without a token the service refuses even to show the backfill.
    StringWriter anonymousErr = new StringWriter();
    cli.setErr(new PrintWriter(anonymousErr));
    assertThat(cli.execute("backfill", "status", id, "--url", backfills.toString()))
        .isEqualTo(Floe.REFUSED);
    assertThat(anonymousErr.toString()).contains("HTTP 401");
  }

  /**
   * A backfill of a snapshot range, a change rather than a table, on a format-3 table: after a
   * first load of three days, merge-on-read updates (deletion vectors), a delete, an upsert as
   * Flink writes it (equality deletes with the new rows) and an append. Each day's chunk carries
   * the rows the range removed, read as its start saw them, and the rows it added; over the chunks,
   * {@code rows(end) = rows(start) − removed + added} with every removed row held at the start, and
   * each chunk's rows fall on its day. The start is pinned, as a chunk removed rows.
   */
  @Test
  @Timeout(300)
  void aSnapshotRangeBackfillGivesEachDayTheRowsTheRangeRemovedAndAdded() {
    String id = "change-range";
    String name = "bf_change_" + UUID.randomUUID().toString().substring(0, 6);
    Table table =
        writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
    table.updateProperties().set(TableProperties.FORMAT_VERSION, "3").commit();
    List<Record> load = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      load.add(
          Orders.order(
              table,
              i + 1,
              "eu-west",
              "NEW",
              BigDecimal.valueOf(100 + i, 2),
              OCT_1.plusDays(i / 8).plusHours(i % 8)));
    }
    Snapshot start = writer.append(table, load);
    writer.updateRows(table, Expressions.in("order_id", 1L, 9L, 17L), r -> shipped(r, "SHIPPED"));
    writer.deleteRowsByVector(table, Expressions.in("order_id", 2L, 10L));
    Record upserted = shipped(load.get(2), "RETURNED");
    Record inserted =
        Orders.order(table, 100, "us-east", "NEW", BigDecimal.ONE, OCT_1.plusDays(1).plusHours(9));
    writer.upsert(table, "order_id", List.of(upserted, inserted));
    Snapshot end =
        writer.append(
            table,
            List.of(
                Orders.order(table, 101, "us-east", "NEW", BigDecimal.TEN, OCT_1.plusHours(9))));
    // The job waits until the pins were seen, so that the backfill can't complete (and release
    // them) first.
    Semaphore gate = new Semaphore(0);
    Job job = new Job(null, gate);
    jobsByBackfill.put(id, job);

    HttpResponse<String> response =
        operator.send(
            "POST",
            backfills.resolve("/backfills"),
            ("{\"id\": \"%s\", \"table\": \"demo.%s\", \"range\": {\"fromSnapshotId\": %d,"
                    + " \"toSnapshotId\": %d}, \"chunking\": {\"strategy\": \"day\", \"field\":"
                    + " \"order_ts\"}, \"trigger\": \"%s\", \"concurrency\": 2}")
                .formatted(id, name, start.snapshotId(), end.snapshotId(), TRIGGER));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(read(response.body()).path("chunks")).hasSize(3);
    // Pinned when planned: the range's end, and its start since the range rewrote rows.
    table.refresh();
    assertThat(table.refs()).containsKeys("floe-backfill-" + id, "floe-backfill-" + id + ".from");
    gate.release(100);
    awaitState(id, "completed", Duration.ofSeconds(120));
    // Released once its completion settled (10 s), in one commit.
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              table.refresh();
              assertThat(table.refs().keySet()).noneMatch(r -> r.startsWith("floe-backfill-" + id));
            });
    Schema schema = table.schema();
    List<Map<Integer, Object>> removed = new ArrayList<>();
    List<Map<Integer, Object>> added = new ArrayList<>();
    assertThat(job.inputsByChunk).containsOnlyKeys("2026-10-01", "2026-10-02", "2026-10-03");
    job.inputsByChunk.forEach(
        (chunk, input) -> {
          LocalDate day = LocalDate.parse(chunk);
          for (JsonNode state : List.of(input.path("removedIcdc"), input.path("icdc"))) {
            List<Record> rows =
                state.isMissingNode() ? List.of() : IcdcStateRows.read(catalog, state);
            assertThat(rows)
                .as("chunk %s: rows of its day", chunk)
                .allSatisfy(
                    r ->
                        assertThat(((OffsetDateTime) r.getField("order_ts")).toLocalDate())
                            .isEqualTo(day));
            rows.forEach(
                r -> (state == input.path("icdc") ? added : removed).add(RowsById.of(r, schema)));
          }
        });
    assertThat(RowsById.ruleBroken(table, start.snapshotId(), end, removed, added)).isNull();
    // Net deletes: the two deleted and the four replaced versions, as the start held them.
    Map<Map<Integer, Object>, Integer> net = RowsById.multiset(removed);
    added.forEach(r -> net.computeIfPresent(r, (k, n) -> n == 1 ? null : n - 1));
    assertThat(net.keySet())
        .extracting(r -> r.get(1))
        .containsExactlyInAnyOrder(1L, 2L, 3L, 9L, 10L, 17L);

    // With the pins released, the source's own expiry removes the range's start (in metadata
    // only: no data file is deleted).
    TableWriter.expireUnreferenced(table);
    assertThat(table.snapshot(start.snapshotId())).isNull();
  }

  private static Record shipped(Record row, String status) {
    Record copy = row.copy();
    copy.setField("status", status);
    return copy;
  }

  /**
   * Creates a backfill of the first {@code days} days, validated by counts against a new target.
   */
  private JsonNode create(String id, Job job, int concurrency, int days) {
    return create(id, job, concurrency, days, "");
  }

  /** Creates a backfill of the first {@code days} days; {@code more} adds members to the body. */
  private JsonNode create(String id, Job job, int concurrency, int days, String more) {
    String body =
        "{\"id\": \""
            + id
            + "\", \"table\": \""
            + source
            + "\", \"range\": {\"field\": \"order_ts\", \"from\": \"2026-10-01T00:00:00Z\", \"to\": \""
            + OCT_1.plusDays(days).toInstant()
            + "\"}, \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \""
            + TRIGGER
            + "\", \"concurrency\": "
            + concurrency
            + ", \"validation\": {\"method\": \"record-count\", \"target\": \""
            + job.target
            + "\"}"
            + more
            + "}";
    HttpResponse<String> response = operator.send("POST", backfills.resolve("/backfills"), body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return read(response.body());
  }

  private Job job(String backfillId, Semaphore gate) {
    String name = "bf_target_" + backfillId.replace('-', '_');
    Table target =
        writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
    // Three chunk jobs overwrite their own days at once: let commits retry.
    target.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "20").commit();
    Job job = new Job("demo." + name, gate);
    jobsByBackfill.put(backfillId, job);
    return job;
  }

  /**
   * The job: reads the chunk's ICDC state, overwrites the chunk's days in the target with its rows,
   * and reports the outcome to the trigger-service.
   */
  private void runJob(JsonNode run) {
    String runId = run.path("runId").asText();
    String backfillId = run.path("backfill").path("backfillId").asText();
    String chunkId = run.path("backfill").path("chunkId").asText();
    Job job = jobsByBackfill.get(backfillId);
    if (job == null) {
      return;
    }
    job.runIds.add(runId);
    job.runsByChunk.computeIfAbsent(chunkId, c -> new AtomicInteger()).incrementAndGet();
    job.maxInFlight.accumulateAndGet(job.inFlight.incrementAndGet(), Math::max);
    try {
      if (job.gate != null) {
        job.gate.acquireUninterruptibly();
      }
      if (job.failChunks.contains(chunkId)) {
        report(
            runId,
            "{\"status\": \"failed\", \"errorKind\": \"permanent\", \"message\": \"bad day\"}");
        return;
      }
      if (job.failFirstAttempts && runId.endsWith(".1")) {
        report(
            runId, "{\"status\": \"failed\", \"errorKind\": \"transient\", \"message\": \"busy\"}");
        return;
      }
      if (job.target == null) {
        job.inputsByChunk.put(chunkId, run.path("inputs").get(0));
        report(runId, "{\"status\": \"succeeded\", \"durationMs\": 1}");
        return;
      }
      JsonNode icdc = run.path("inputs").get(0).path("icdc");
      List<Record> rows = IcdcStateRows.read(catalog, icdc);
      Table target = catalog.loadTable(identifier(job.target));
      LocalDate day = LocalDate.parse(chunkId);
      // Idempotent: the chunk's days are replaced. The commit carries the run's backfill tag, so a
      // capture of the target tags the change and downstream triggers can suppress it.
      OverwriteFiles overwrite =
          target
              .newOverwrite()
              .overwriteByRowFilter(
                  Expressions.and(
                      Expressions.greaterThanOrEqual(
                          "order_ts", day.atStartOfDay(ZoneOffset.UTC).toInstant().toString()),
                      Expressions.lessThan(
                          "order_ts",
                          day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toString())));
      tag(run).summary().forEach(overwrite::set);
      writer.writeDataFiles(target, rows).forEach(overwrite::addFile);
      overwrite.commit();
      report(runId, "{\"status\": \"succeeded\", \"durationMs\": 1}");
    } catch (RuntimeException e) {
      report(
          runId, "{\"status\": \"failed\", \"message\": \"" + e.getClass().getSimpleName() + "\"}");
    } finally {
      job.inFlight.decrementAndGet();
    }
  }

  /** The run's backfill tag, which the job copies into its commit's summary. */
  private static BackfillTag tag(JsonNode run) {
    JsonNode tag = run.path("backfill");
    return new BackfillTag(
        tag.path("backfillId").asText(),
        tag.path("chunkId").asText(),
        tag.path("propagate").asBoolean(false));
  }

  private void report(String runId, String body) {
    operator.report(triggers, runId, body);
  }

  /** Every row of a table, as text, by order id. */
  private Map<Long, String> rows(String table) {
    Map<Long, String> rows = new TreeMap<>();
    try (CloseableIterable<Record> it =
        IcebergGenerics.read(catalog.loadTable(identifier(table))).build()) {
      it.forEach(r -> rows.put((Long) r.getField("order_id"), r.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static TableIdentifier identifier(String qualified) {
    int dot = qualified.lastIndexOf('.');
    return TableIdentifier.of(qualified.substring(0, dot), qualified.substring(dot + 1));
  }

  private JsonNode awaitState(String id, String state, Duration within) {
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              // 503 while a restarted service restores its state: not yet
              HttpResponse<String> response =
                  operator.send("GET", backfills.resolve("/backfills/" + id), null);
              assertThat(response.statusCode()).as(response.body()).isIn(200, 503);
              if (response.statusCode() != 200) {
                return false;
              }
              last[0] = read(response.body());
              return state.equals(last[0].path("state").asText());
            });
    return last[0];
  }

  private JsonNode get(String id) {
    HttpResponse<String> response =
        operator.send("GET", backfills.resolve("/backfills/" + id), null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return read(response.body());
  }

  private static JsonNode read(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
