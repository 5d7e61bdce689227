package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.topic.Topics;
import dev.floe.reporter.FloeCommitReporter;
import dev.floe.stack.LocalStack;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.catalog.RestCatalogServer;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Call;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotChanges;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.TableUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Evaluator;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.relocated.com.google.common.collect.Iterables;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The whole pipeline from the four packaged services, run under a {@link Plan}: writers commit
 * random appends (and now and then a compaction, an overwrite or row-level deletes) to several
 * source tables; each table has a capture and a trigger whose webhook job reports success after it
 * brought the run's change into a target table: a run of appends by appending its ICDC state's
 * rows, a run that changed or deleted rows by recomputing the days in its change range from the
 * source at the run's last snapshot. Faults and expiry happen meanwhile. At the end every target
 * must equal its source, no appended row may be read by two runs, and no source data file may be
 * missing except those the test's own snapshot expiry deleted.
 *
 * <p>A launch is at-least-once, under its attempt's idempotency key (trigger-service/README.md):
 * the job is idempotent by run id, as a job system honouring the key is, so a run delivered again
 * is acknowledged and not applied twice. What is checked of the deliveries themselves:
 *
 * <ul>
 *   <li>every call carries {@code Idempotency-Key} = the attempt's key, quoted, and {@code
 *       Floe-Attempt} = its attempt;
 *   <li>without faults, the receiver accepts each attempt of each run exactly once;
 *   <li>with faults, an attempt is only delivered again after a fault that can lose a launch's
 *       outcome (a kill of the trigger-service or a broker restart, between the first call and the
 *       repeat), and the repeat is the identical request: a receiver that drops it by its key loses
 *       nothing.
 * </ul>
 */
final class PipelineRun {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 20, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final String RUN_ID = "floe-e2e.run-id";
  private static final String JOB_SECRET = "job-" + UUID.randomUUID();

  /**
   * What to run.
   *
   * @param tables how many source tables, each with a capture, a trigger and a target
   * @param commits at least this many commits; the writers go on, one commit each per {@link
   *     #TAIL_PAUSE}, until the faults are over and the expiry deleted files
   * @param writers concurrent writer threads
   * @param commitPause how long each writer waits between two of its commits
   * @param compactEvery every n-th commit of a table is a compaction (0 for none)
   * @param rewriteEvery every n-th commit (unless a compaction) changes or deletes rows already
   *     there, on the sources in turn: position deletes, a merge-on-read update, equality deletes,
   *     a copy-on-write overwrite of a day (the second source is format 3: its position deletes and
   *     updates are deletion vectors); 0 for none. The triggers then run one at a time, in order,
   *     each run taking every change that arrived meanwhile ({@code latest-only}): a job that
   *     recomputes days must see runs in order
   * @param faults kill -9 each service, restart the broker, stop a REST catalog for {@link
   *     #CATALOG_OUTAGE}: each at its own point among the planned commits, overlapping; a service
   *     or the broker stays down until a commit landed meanwhile
   * @param slowOneIn one webhook call in this many answers after {@code slowAnswer} (0 for none)
   * @param expireOlderThan the source tables' snapshots older than this, once captured, are expired
   *     every 5 s (null for no expiry). Their metadata files are deleted; the data and delete files
   *     Iceberg's expiry would delete are kept (no source data file is ever deleted, not even in a
   *     test) and recorded instead: a job that reads a state naming one of them would have failed
   * @param bareCommits before the pipeline's, the writers make this many commits the same way to as
   *     many tables that nothing watches: the bare Iceberg commit rate (0 for none)
   * @param warmUpCommits before anything is measured, the writers make this many commits the same
   *     way to the watched sources, and the pipeline drains them (0 for none): the services, the
   *     broker and the writers run the code they will run with their JIT compilers done, as a
   *     service does that has run for a while. The measured figures (commits, rates, latencies, CPU
   *     by phase) leave the warm-up's out; rows, runs, deliveries and the peak RSS count it too, as
   *     every check does
   * @param hints the writers' catalog reports each commit to the listener ({@code
   *     FloeCommitReporter}), as a writer with Floe's reporter does; else the listener polls
   */
  record Plan(
      CatalogKind catalog,
      int tables,
      int commits,
      int writers,
      Duration commitPause,
      int compactEvery,
      int rewriteEvery,
      boolean faults,
      int slowOneIn,
      Duration slowAnswer,
      Duration expireOlderThan,
      Duration drainAtMost,
      int bareCommits,
      int warmUpCommits,
      boolean hints) {}

  /**
   * Once the planned commits are in, each writer commits once per this while faults are still under
   * way: they keep falling on a stream of commits without piling up a backlog to drain.
   */
  private static final Duration TAIL_PAUSE = Duration.ofMillis(2500);

  /** No fault before this many commits: the pipeline has begun to flow. */
  private static final int FIRST_FAULT = 8;

  /**
   * How long a killed service or a stopped broker stays down at most waiting for a writer's commit
   * to land meanwhile; the REST catalog's outage, which holds the writers back, may overlap.
   */
  private static final Duration LANDING_WAIT = Duration.ofMinutes(2);

  /**
   * How long the REST catalog's server stays stopped: every part's catalog calls fail and are
   * retried meanwhile, and services killed meanwhile start against a missing catalog. It lies on
   * the suite's critical path (those services are ready only once it ends), so the gate stops it
   * for 15 s and the soak for 30 s.
   */
  static final Duration CATALOG_OUTAGE =
      TestTier.pick(Duration.ofSeconds(15), Duration.ofSeconds(30));

  /** A writer's commit that landed: it began at {@code from} and returned at {@code to}. */
  record Landing(Instant from, Instant to) {}

  /** A part of the stack that was down: from its kill to its ready restart. */
  record Down(String part, Instant from, Instant to) {

    /** Whether the commit began and returned while this part was down. */
    boolean holds(Landing commit) {
      return !commit.from().isBefore(from) && !commit.to().isAfter(to);
    }
  }

  /** A fault as injected: when it began, and what it was and did. */
  private record Injected(Instant at, String what) {}

  /** What a run did and reached. */
  record Outcome(
      int commits,
      int rows,
      int runs,
      int recomputingRuns,
      int deliveries,
      int redeliveredAttempts,
      Duration writing,
      Duration draining,
      long p50Ms,
      long p95Ms,
      long maxMs,
      int expiredFiles,
      List<String> faults,
      List<String> jobErrors,
      List<String> writerErrors,
      double bareCommitsPerSecond,
      Map<String, List<Long>> stageLatencies,
      Map<String, Long> rssIdle,
      Map<String, Long> rssIdleAfterWarmUp,
      Map<String, Long> rssPeak,
      int revenueRuns,
      int revenueRunsWithRemoved,
      int revenueRebased,
      long vectorsWritten,
      Map<String, Map<String, Double>> cpuSeconds,
      Map<String, Map<String, Double>> jitSeconds) {

    double commitsPerSecond() {
      return commits * 1000.0 / Math.max(1, writing.toMillis());
    }

    /** Commits per second through the whole pipeline: until the last one reached its target. */
    double endToEndCommitsPerSecond() {
      return commits * 1000.0 / Math.max(1, writing.plus(draining).toMillis());
    }

    /** The {@code p}-th percentile of the commit-to-{@code stage} latencies, in ms. */
    long stage(String stage, int p) {
      return percentile(stageLatencies.getOrDefault(stage, List.of()), p);
    }

    @Override
    public String toString() {
      return String.format(
          "%d commits in %.1f s (%.1f commits/s), %d rows, %d runs (%d recomputing days), %d deliveries"
              + " (%d attempts"
              + " delivered more than once), drained %.1f s after the last commit (%.1f commits/s"
              + " end to end; bare Iceberg commit rate %.1f/s); commit to target latency p50 %d"
              + " ms, p95 %d ms, max %d ms; commit to SnapshotCommitted p50 %d / p99 %d ms, to"
              + " ChangeCaptured p50 %d / p99 %d ms, to RunRequested p50 %d / p99 %d ms; RSS idle"
              + " %s, idle after the warm-up %s, peak %s; %d files released by expiry; faults %s; job errors %d %s; writer"
              + " errors %s; revenue kept from the states of %d runs (%d with a removed state, %d"
              + " without states), %d deletion vectors written",
          commits,
          writing.toMillis() / 1000.0,
          commitsPerSecond(),
          rows,
          runs,
          recomputingRuns,
          deliveries,
          redeliveredAttempts,
          draining.toMillis() / 1000.0,
          endToEndCommitsPerSecond(),
          bareCommitsPerSecond,
          p50Ms,
          p95Ms,
          maxMs,
          stage("SnapshotCommitted", 50),
          stage("SnapshotCommitted", 99),
          stage("ChangeCaptured", 50),
          stage("ChangeCaptured", 99),
          stage("RunRequested", 50),
          stage("RunRequested", 99),
          mib(rssIdle),
          mib(rssIdleAfterWarmUp),
          mib(rssPeak),
          expiredFiles,
          faults,
          jobErrors.size(),
          jobErrors.stream().limit(3).toList(),
          writerErrors,
          revenueRuns,
          revenueRunsWithRemoved,
          revenueRebased,
          vectorsWritten);
    }
  }

  private final Plan plan;
  private final Random random = new Random(42);

  /** Accepted calls of the webhook, by run id and attempt. */
  private final Map<String, List<LaunchContract.Delivery>> deliveries = new ConcurrentHashMap<>();

  /** When each fault that can lose a launch's outcome began and ended. */
  private final List<LaunchContract.Fault> relaunchFaults = new CopyOnWriteArrayList<>();

  private final Map<String, List<Long>> rowsByRun = new ConcurrentHashMap<>();

  /** Deletion vectors the writers added, on the format-3 source. */
  private final AtomicLong vectorsWritten = new AtomicLong();

  /** Orders and revenue per day of each source, kept from runs' states when rows are rewritten. */
  private final RevenueJob revenue = new RevenueJob();

  /** The runs whose job recomputed days of the target, rather than appending the ICDC state. */
  private final Set<String> recomputed = ConcurrentHashMap.newKeySet();

  /** Source snapshots that changed rows, committed by the writers, by table name. */
  private final Map<String, Set<Long>> written = new ConcurrentHashMap<>();

  /** Source snapshots a job applied: the target holds their change. */
  private final Set<Long> applied = ConcurrentHashMap.newKeySet();

  /** Held by a table's job while it reads the run and writes the target. */
  private final Map<String, Object> jobLocks = new ConcurrentHashMap<>();

  /** What each job did, in order, by table name: read when a target differs from its source. */
  private final Map<String, Queue<String>> jobLog = new ConcurrentHashMap<>();

  private final Map<Long, Long> committedAt = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> jobErrors = new ConcurrentLinkedQueue<>();

  /** Commits a writer could not make: none may fail (see {@link #commit}). */
  private final ConcurrentLinkedQueue<String> writerErrors = new ConcurrentLinkedQueue<>();

  private final Set<String> sourceDataFiles = ConcurrentHashMap.newKeySet();

  /**
   * Source data and delete files that the sources' expiry released: Iceberg's expiry would have
   * deleted them, this one keeps them. No job may read one afterwards ({@link #unprotected}).
   */
  private final Set<String> deletedByExpiry = ConcurrentHashMap.newKeySet();

  /** States a job read that named a file the expiry had released before the read began. */
  private final Queue<String> unprotected = new ConcurrentLinkedQueue<>();

  /** The faults injected, each with what it did. */
  private final List<Injected> faults = new CopyOnWriteArrayList<>();

  /** Each commit a writer made. */
  private final Queue<Landing> landings = new ConcurrentLinkedQueue<>();

  /** Each time a service or the broker was down, from its end to its ready restart. */
  private final List<Down> downs = new CopyOnWriteArrayList<>();

  /** Faults that could not be injected or recovered from: a restart over its budget, say. */
  private final Queue<Throwable> faultFailures = new ConcurrentLinkedQueue<>();

  private final AtomicLong nextOrder = new AtomicLong(1);
  private final AtomicInteger commits = new AtomicInteger();

  /** Writers commit under the read lock; a catalog outage holds the write lock. */
  private final ReadWriteLock catalogUp = new ReentrantReadWriteLock();

  /** Where commits' arrival at each stage is recorded; set once the stack runs. */
  private volatile StageClock stages;

  /** Late webhook answers, and the REST catalog's return. */
  private final ScheduledExecutorService later = Executors.newScheduledThreadPool(2);

  private PipelineRun(Plan plan) {
    this.plan = plan;
  }

  /** Runs {@code plan} on a fresh stack under {@code target/floe-test/<label>}, and checks it. */
  static Outcome run(String label, Plan plan) throws Exception {
    return new PipelineRun(plan).go(label);
  }

  private Outcome go(String label) throws Exception {
    LocalStack.Options options =
        TestStacks.options(label)
            .withCatalog(plan.catalog())
            .withServiceConfig(
                "trigger-service", Map.of("floe.trigger.launch.secrets.job", JOB_SECRET))
            // New source tables are found within seconds, not the default 30.
            .withServiceConfig("commit-listener", Map.of("floe.listener.discovery-interval", "2s"));
    // One job at a time per table, tables side by side: each table's job is a job of its own, as
    // it would be in production.
    ExecutorService jobs = Executors.newFixedThreadPool(plan.tables());
    ScheduledExecutorService expiry = Executors.newSingleThreadScheduledExecutor();
    JobServer receiver = JobServer.start(4);
    try (LocalStack stack = LocalStack.start(options);
        EventTap changes = new EventTap(stack.kafka().bootstrapServers(), Topics.CHANGES)) {
      StageClock clock = new StageClock(stack);
      stages = clock;
      StackHttp admin = StackHttp.as(stack, "admin");
      StackHttp operator = StackHttp.as(stack, "operator");
      URI triggers = stack.service("trigger-service").url();
      Catalog catalog = stack.catalog().catalog();
      TableWriter writer = new TableWriter(plan.hints() ? reporting(stack) : catalog);

      receiver.onLate(
          "/job",
          this::answer,
          (call, reply) -> answered(call, reply, catalog, jobs, operator, triggers));

      String suffix = UUID.randomUUID().toString().substring(0, 6);
      List<Table> sources = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (int i = 0; i < plan.tables(); i++) {
        String name = "src_" + suffix + "_" + i;
        names.add(name);
        Table source =
            writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
        source.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "20").commit();
        if (plan.rewriteEvery() > 0 && i == 1) {
          // Format 3: its position deletes are deletion vectors, each replacing the file's last.
          source.updateProperties().set(TableProperties.FORMAT_VERSION, "3").commit();
        }
        sources.add(source);
        writer.createOrLoad(target(source), Orders.SCHEMA, Orders.BY_DAY);
        String id = name.replace('_', '-');
        assertThat(
                admin.post(
                    stack.service("change-capture-service").url().resolve("/captures"),
                    "{\"id\": \"cap-%s\", \"table\": \"demo.%s\", \"trackedFields\": [\"order_ts\"]}"
                        .formatted(id, name)))
            .isEqualTo(201);
        assertThat(
                admin.post(
                    triggers.resolve("/triggers"),
                    ("{\"id\": \"job-%s\", \"inputs\": [{\"capture\": \"cap-%s\"}],"
                            + " \"concurrency\": %s,"
                            + " \"retry\": {\"maxAttempts\": 20, \"backoff\": \"PT1S\"},"
                            + " \"launcher\": {\"type\": \"webhook\", \"url\":"
                            + " \"%s?table=%s\", \"headers\":"
                            + " {\"Authorization\": \"${secret:job}\"}}}")
                        .formatted(
                            id,
                            id,
                            plan.rewriteEvery() > 0
                                ? "{\"policy\": \"latest-only\"}"
                                : "{\"policy\": \"parallel\", \"maxParallel\": 2}",
                            receiver.url("/job"),
                            name)))
            .isEqualTo(201);
      }

      // Tables are found by listing their namespace: commits start once all are watched, as a
      // source's are in production, or their first commits would wait for that listing.
      URI watches = stack.service("commit-listener").url().resolve("/watches");
      await("every source watched")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                String listed = admin.get(watches).body();
                return names.stream().allMatch(n -> listed.contains("\"demo." + n + "\""));
              });
      if (CoreSplit.asked()) {
        CoreSplit.apply(stack);
      }
      // Idle, freshly started: the sources watched, nothing committed yet.
      Map<String, Long> rssIdle = clock.rss();
      Map<String, Map<String, Double>> cpuSeconds = new LinkedHashMap<>();
      Map<String, Map<String, Double>> jitSeconds = new LinkedHashMap<>();
      if (plan.warmUpCommits() > 0) {
        Map<String, Long> cpu = CpuClock.sample(stack);
        Map<String, Long> jit = CpuClock.compilers(stack);
        warmUp(writer, sources, catalog, stack);
        cpuSeconds.put("warm-up", CpuClock.between(cpu, CpuClock.sample(stack)));
        jitSeconds.put("warm-up", CpuClock.between(jit, CpuClock.compilers(stack)));
      }
      // Idle again once the warm-up's commits have drained: a service that has worked.
      Map<String, Long> rssWarm = plan.warmUpCommits() > 0 ? clock.rss() : Map.of();
      Map<String, Long> cpuBeforeBare = CpuClock.sample(stack);
      Map<String, Long> jitBeforeBare = CpuClock.compilers(stack);
      double bareRate = plan.bareCommits() > 0 ? bareRate(writer, suffix) : 0;
      Map<String, Long> cpuAfterBare = CpuClock.sample(stack);
      Map<String, Long> jitAfterBare = CpuClock.compilers(stack);
      if (plan.expireOlderThan() != null) {
        expiry.scheduleWithFixedDelay(
            () -> expire(sources, changes, operator, stack.service("change-capture-service").url()),
            5,
            5,
            TimeUnit.SECONDS);
      }
      Instant start = Instant.now();
      Map<String, Long> cpuAtStart = CpuClock.sample(stack);
      Map<String, Long> jitAtStart = CpuClock.compilers(stack);
      List<Thread> faulting = plan.faults() ? injectFaults(stack, start) : List.of();
      // Each writer commits, then waits commitPause before its next commit; once the planned
      // commits are in, while faults are under way, it commits once per TAIL_PAUSE.
      ScheduledExecutorService writers = Executors.newScheduledThreadPool(plan.writers());
      long pace = Math.max(1, plan.commitPause().toMillis());
      for (int w = 0; w < plan.writers(); w++) {
        AtomicLong notBefore = new AtomicLong();
        writers.scheduleWithFixedDelay(
            () -> {
              if (commits.get() >= plan.commits()) {
                long now = System.currentTimeMillis();
                if (now < notBefore.get()) {
                  return;
                }
                notBefore.set(now + TAIL_PAUSE.toMillis());
              }
              commit(writer, sources);
            },
            0,
            pace,
            TimeUnit.MILLISECONDS);
      }
      try {
        // Every fault falls on a stream of commits, the expiry's first deletions included.
        await("the writers' commits, the faults, and files released by expiry")
            .atMost(plan.drainAtMost().multipliedBy(3))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    !faultFailures.isEmpty()
                        || commits.get() >= plan.commits()
                            && faulting.stream().noneMatch(Thread::isAlive)
                            && (plan.expireOlderThan() == null || !deletedByExpiry.isEmpty()));
      } finally {
        writers.shutdown();
        writers.awaitTermination(2, TimeUnit.MINUTES);
      }
      failIfAnyFaultFailed();
      Instant written = Instant.now();
      Map<String, Long> cpuWritten = CpuClock.sample(stack);
      Map<String, Long> jitWritten = CpuClock.compilers(stack);
      expiry.shutdownNow();
      expiry.awaitTermination(1, TimeUnit.MINUTES);
      assertThat(writerErrors).as("commits the writers could not make").isEmpty();
      assertThat(downWithoutCommits())
          .as("services or broker down while no commit landed (each one's window)")
          .isEmpty();

      awaitApplied(sources, catalog, stack);
      Instant drained = Instant.now();
      cpuSeconds.put("bare", CpuClock.between(cpuBeforeBare, cpuAfterBare));
      cpuSeconds.put("writing", CpuClock.between(cpuAtStart, cpuWritten));
      cpuSeconds.put("draining", CpuClock.between(cpuWritten, CpuClock.sample(stack)));
      jitSeconds.put("bare", CpuClock.between(jitBeforeBare, jitAfterBare));
      jitSeconds.put("writing", CpuClock.between(jitAtStart, jitWritten));
      jitSeconds.put("draining", CpuClock.between(jitWritten, CpuClock.compilers(stack)));
      clock.close();

      changes.drain();
      assertThat(changes.payloads(ChangeLost.class, lost -> true))
          .as("changes the capture lost: the suite's expiry spares what is not captured yet")
          .isEmpty();
      for (Table source : sources) {
        source.refresh();
        if (!rows(catalog, target(source)).equals(rows(source))) {
          System.out.printf(
              "%s differs from its target; its jobs:%n  %s%n",
              source.name(),
              String.join("\n  ", jobLog.getOrDefault(source.name(), new ArrayDeque<>())));
        }
        assertThat(rows(catalog, target(source)))
            .as("target of %s equals its source", source.name())
            .isEqualTo(rows(source));
      }
      assertThat(revenue.invariantBreaks())
          .as("runs whose states break rows(Sn) = rows(S0) − removed + added, removed ⊆ rows(S0)")
          .isEmpty();
      assertThat(revenue.mismatches())
          .as("orders and revenue per day kept from runs' states that differ from the source's")
          .isEmpty();
      List<Long> read = rowsByRun.values().stream().flatMap(List::stream).sorted().toList();
      assertThat(new HashSet<>(read)).as("no change read by two runs").hasSize(read.size());
      assertThat(unprotected)
          .as("states read by a job that named a file the sources' expiry had released")
          .isEmpty();
      List<String> missing =
          sourceDataFiles.stream().filter(f -> !Files.exists(Path.of(URI.create(f)))).toList();
      assertThat(missing).as("source data files deleted").isEmpty();
      assertNoSecretIn(stack, admin, operator);
      assertThat(LaunchContract.broken(deliveries, relaunchFaults))
          .as("deliveries that break the launch contract")
          .isEmpty();

      List<Long> sorted = latencies.stream().sorted().toList();
      return new Outcome(
          commits.get(),
          read.size(),
          rowsByRun.size() + recomputed.size(),
          recomputed.size(),
          deliveries.values().stream().mapToInt(List::size).sum(),
          (int) deliveries.values().stream().filter(d -> d.size() > 1).count(),
          Duration.between(start, written),
          Duration.between(written, drained),
          percentile(sorted, 50),
          percentile(sorted, 95),
          sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1),
          deletedByExpiry.size(),
          faults.stream()
              .sorted(java.util.Comparator.comparing(Injected::at))
              .map(Injected::what)
              .toList(),
          List.copyOf(jobErrors),
          List.copyOf(writerErrors),
          bareRate,
          StageClock.STAGES.stream()
              .collect(
                  java.util.stream.Collectors.toMap(
                      stage -> stage, clock::latencies, (a, b) -> a, LinkedHashMap::new)),
          rssIdle,
          rssWarm,
          clock.peakRss(),
          revenue.applied(),
          revenue.withRemoved(),
          revenue.rebased(),
          vectorsWritten.get(),
          cpuSeconds,
          jitSeconds);
    } finally {
      if (stages != null) {
        stages.close();
      }
      expiry.shutdownNow();
      receiver.close();
      jobs.shutdownNow();
      later.shutdownNow();
    }
  }

  /** The webhook: checks the credential and answers, slowly now and then. */
  private CompletionStage<Reply> answer(Call call) {
    if (!JOB_SECRET.equals(call.header("Authorization"))) {
      return CompletableFuture.completedFuture(Reply.of(401));
    }
    boolean slow;
    synchronized (random) {
      slow = plan.slowOneIn() > 0 && random.nextInt(plan.slowOneIn()) == 0;
    }
    if (!slow) {
      return CompletableFuture.completedFuture(Reply.of(200));
    }
    // The fault: a receiver that answers late. The call stays open meanwhile.
    CompletableFuture<Reply> late = new CompletableFuture<>();
    later.schedule(
        () -> late.complete(Reply.of(200)), plan.slowAnswer().toMillis(), TimeUnit.MILLISECONDS);
    return late;
  }

  /**
   * Once the webhook has answered: records the delivery, dated by its arrival, and runs the job.
   */
  private void answered(
      Call call,
      Reply reply,
      Catalog catalog,
      ExecutorService jobs,
      StackHttp operator,
      URI triggers) {
    if (reply.status() == 401) {
      jobErrors.add("call without the job's credential");
      return;
    }
    JsonNode run = call.json();
    String runId = run.get("runId").asText();
    deliveries
        .computeIfAbsent(
            runId + " attempt " + run.path("attempt").asInt(1), k -> new CopyOnWriteArrayList<>())
        .add(
            new LaunchContract.Delivery(
                call.at(), call.header("Idempotency-Key"), call.header("Floe-Attempt"), run));
    String table = call.query().substring("table=".length());
    jobs.submit(() -> job(catalog, operator, triggers, run, runId, table));
  }

  /**
   * Reads the run's ICDC states and appends their rows to the target, once per run id, then reports
   * the outcome; a failure is reported as transient, so the trigger runs it again.
   */
  private void job(
      Catalog catalog, StackHttp operator, URI triggers, JsonNode run, String runId, String table) {
    int attempt = run.path("attempt").asInt(1);
    try {
      Table target = catalog.loadTable(TableIdentifier.of("targets", table));
      // One job at a time per table, as one job per target would run; tables side by side.
      synchronized (jobLocks.computeIfAbsent(table, k -> new Object())) {
        target.refresh();
        Table source = catalog.loadTable(TableIdentifier.of("demo", table));
        // What the expiry had released before this job read anything: no state may name it.
        Set<String> released = Set.copyOf(deletedByExpiry);
        String how;
        boolean again = appliedRuns(target).contains(runId);
        // A job about to read the run's states: none may name a file the expiry released.
        if (!again || !revenue.hasApplied(runId)) {
          for (JsonNode input : run.get("inputs")) {
            for (String state : List.of("icdc", "removedIcdc")) {
              JsonNode ref = input.path(state);
              if (ref.isObject()) {
                Set<String> named = IcdcStateRows.files(catalog, ref);
                named.retainAll(released);
                if (!named.isEmpty()) {
                  unprotected.add("%s %s %s: %s".formatted(runId, state, ref.path("ref"), named));
                }
              }
            }
          }
        }
        // The second job of each table: orders and revenue per day, kept from the run's states.
        RevenueJob.Next totals =
            plan.rewriteEvery() == 0 || revenue.hasApplied(runId)
                ? null
                : revenue.next(catalog, source, table, runId, run.get("inputs").get(0));
        if (again) {
          // delivered again: acknowledged, not applied twice
          how = "applied already";
        } else if (plan.rewriteEvery() > 0 && !onlyAddsRows(source, run)) {
          // Each trigger here has one input, its table's capture.
          how = recompute(catalog, source, target, run.get("inputs").get(0), runId);
        } else {
          List<Record> records = new ArrayList<>();
          for (JsonNode input : run.get("inputs")) {
            JsonNode icdc = input.get("icdc");
            if (icdc == null || icdc.isNull()) {
              throw new IllegalStateException("input " + input.get("captureId") + " has no state");
            }
            records.addAll(IcdcStateRows.read(catalog, icdc));
          }
          AppendFiles append = target.newAppend();
          new TableWriter(catalog).writeDataFiles(target, records).forEach(append::appendFile);
          append.set(RUN_ID, runId).commit();
          long now = System.currentTimeMillis();
          List<Long> ids = new ArrayList<>();
          for (Record r : records) {
            long id = (Long) r.getField("order_id");
            ids.add(id);
            Long at = committedAt.get(id);
            if (at != null) {
              latencies.add(now - at);
            }
          }
          rowsByRun.put(runId, ids);
          how = "appended " + ids;
        }
        if (totals != null) {
          revenue.keep(totals);
        }
        List<Long> snapshots = snapshotIds(run);
        applied.addAll(snapshots);
        jobLog
            .computeIfAbsent(table, k -> new ConcurrentLinkedQueue<>())
            .add("%s attempt %d, snapshots %s: %s".formatted(runId, attempt, snapshots, how));
      }
      operator.report(
          triggers, runId, "{\"status\": \"succeeded\", \"attempt\": %d}".formatted(attempt));
    } catch (RuntimeException e) {
      jobErrors.add(runId + " attempt " + attempt + ": " + e);
      try {
        operator.report(
            triggers,
            runId,
            "{\"status\": \"failed\", \"attempt\": %d, \"errorKind\": \"transient\"}"
                .formatted(attempt));
      } catch (RuntimeException unreported) {
        jobErrors.add(runId + ": its failure was not reported: " + unreported);
      }
    }
  }

  /**
   * Whether every source snapshot of the run only added rows ({@code append}) or changed none
   * ({@code replace}): then the ICDC state's rows are the change. A snapshot that is gone counts as
   * one that rewrote rows.
   */
  private static boolean onlyAddsRows(Table source, JsonNode run) {
    for (long id : snapshotIds(run)) {
      Snapshot s = source.snapshot(id);
      if (s == null
          || !(DataOperations.APPEND.equals(s.operation())
              || DataOperations.REPLACE.equals(s.operation()))) {
        return false;
      }
    }
    return true;
  }

  /** The source snapshots a run covers, in order. */
  private static List<Long> snapshotIds(JsonNode run) {
    List<Long> ids = new ArrayList<>();
    for (JsonNode input : run.get("inputs")) {
      for (JsonNode range : input.get("snapshotRanges")) {
        range.get("snapshotIds").forEach(id -> ids.add(id.asLong()));
      }
    }
    return ids;
  }

  /**
   * The source's snapshots that changed rows and no job applied yet: those its writers committed,
   * and those it still has, which include any whose commit failed on the writer's side only.
   */
  private Set<Long> unapplied(Table source) {
    source.refresh();
    Set<Long> changed = new HashSet<>(written.getOrDefault(source.name(), Set.of()));
    for (Snapshot s : source.snapshots()) {
      if (!DataOperations.REPLACE.equals(s.operation())) {
        changed.add(s.snapshotId());
      }
    }
    changed.removeAll(applied);
    return changed;
  }

  /**
   * The job for a run that changed or deleted rows, as an incremental job does with Floe's change
   * ranges: the target's days within the run's range of {@code order_ts} (every day when the range
   * is unknown) are replaced by the source's rows of those days at the run's last snapshot, which
   * the capture pinned.
   */
  private String recompute(
      Catalog catalog, Table source, Table target, JsonNode input, String runId) {
    JsonNode snapshots = input.get("snapshotRanges");
    long to = snapshots.get(snapshots.size() - 1).get("toSnapshotId").asLong();
    Expression scope = Expressions.alwaysTrue();
    for (JsonNode range : input.path("ranges")) {
      if (range.get("field").asText().equals("order_ts")
          && !range.get("exactness").asText().equals("unknown")) {
        scope =
            days(
                dayOf(OffsetDateTime.parse(range.get("min").asText())),
                dayOf(OffsetDateTime.parse(range.get("max").asText())));
      }
    }
    Evaluator inScope = new Evaluator(source.schema().asStruct(), scope);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(source.schema().asStruct());
    List<Record> fresh = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(source).useSnapshot(to).where(scope).build()) {
      for (Record r : records) {
        if (inScope.eval(wrapper.wrap(r))) {
          fresh.add(plain(source.schema(), r).copy());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    OverwriteFiles overwrite = target.newOverwrite().overwriteByRowFilter(scope);
    new TableWriter(catalog).writeDataFiles(target, fresh).forEach(overwrite::addFile);
    overwrite.set(RUN_ID, runId).commit();
    recomputed.add(runId);
    return "recomputed %s at snapshot %d: %d rows".formatted(scope, to, fresh.size());
  }

  private static Set<String> appliedRuns(Table target) {
    Set<String> runs = new HashSet<>();
    for (Snapshot s : target.snapshots()) {
      String runId = s.summary().get(RUN_ID);
      if (runId != null) {
        runs.add(runId);
      }
    }
    return runs;
  }

  /**
   * Warms up: {@link Plan#warmUpCommits} commits to the watched sources, by the plan's writers and
   * unpaced, until the pipeline has drained them; then forgets them for the measured figures.
   */
  private void warmUp(TableWriter writer, List<Table> sources, Catalog catalog, LocalStack stack)
      throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(plan.writers());
    for (int w = 0; w < plan.writers(); w++) {
      pool.execute(
          () -> {
            while (commits.get() < plan.warmUpCommits()) {
              commit(writer, sources);
            }
          });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.MINUTES)).as("warm-up writers done").isTrue();
    assertThat(writerErrors).as("commits the writers could not make in the warm-up").isEmpty();
    awaitApplied(sources, catalog, stack);
    System.out.printf("warm-up: %d commits, drained%n", commits.get());
    commits.set(0);
    latencies.clear();
    stages.forget();
  }

  /**
   * Waits until a job applied every source snapshot that changed rows, at most {@link
   * Plan#drainAtMost}; else fails with each table's progress, and every service's threads in its
   * log.
   */
  private void awaitApplied(List<Table> sources, Catalog catalog, LocalStack stack) {
    AtomicBoolean countsMatchedEarly = new AtomicBoolean();
    try {
      // Drained once a job applied every source snapshot that changed rows. A row count would
      // not do: a target that still holds rows its source deleted has as many rows or more.
      await("every source change applied to its target")
          .atMost(plan.drainAtMost())
          .pollInterval(Duration.ofSeconds(2))
          .ignoreExceptions()
          .until(
              () -> {
                int unapplied = sources.stream().mapToInt(s -> unapplied(s).size()).sum();
                if (unapplied > 0
                    && !countsMatchedEarly.get()
                    && sources.stream()
                        .allMatch(s -> rows(catalog, target(s)).size() >= rows(s).size())) {
                  // When the row-count check this replaced would have compared, too early.
                  countsMatchedEarly.set(true);
                  System.out.printf(
                      "row counts match with %d source snapshots not applied yet%n", unapplied);
                }
                return unapplied == 0;
              });
    } catch (ConditionTimeoutException e) {
      // Where it stopped: each table's progress, and every service's threads in its log.
      for (Table s : sources) {
        System.out.printf(
            "%s: %d snapshots, %d rows; target %d rows; snapshots not applied %s%n",
            s.name(),
            Iterables.size(s.snapshots()),
            rows(s).size(),
            rows(catalog, target(s)).size(),
            unapplied(s));
      }
      System.out.printf("job errors: %s%nfaults: %s%n", jobErrors, faults);
      stack.services().forEach(ServiceProcess::dumpThreads);
      throw e;
    }
  }

  /**
   * The bare Iceberg commit rate: the plan's writers, as fast as they can, append rows as the
   * pipeline's writers do to as many tables in a namespace nothing watches, on the same catalog and
   * machine, with the services idle.
   */
  private double bareRate(TableWriter writer, String suffix) throws InterruptedException {
    List<Table> bare = new ArrayList<>();
    for (int i = 0; i < plan.tables(); i++) {
      Table t =
          writer.createOrLoad(
              TableIdentifier.of("bare", "b_" + suffix + "_" + i), Orders.SCHEMA, Orders.BY_DAY);
      t.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "20").commit();
      bare.add(t);
    }
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(plan.writers());
    long t0 = System.nanoTime();
    for (int w = 0; w < plan.writers(); w++) {
      pool.execute(
          () -> {
            Random own = new Random(Thread.currentThread().getId());
            while (done.get() < plan.bareCommits()) {
              Table t = bare.get(own.nextInt(bare.size()));
              List<Record> batch = new ArrayList<>();
              for (int i = 0, n = 1 + own.nextInt(4); i < n; i++) {
                long id = own.nextLong();
                batch.add(
                    Orders.order(
                        t,
                        id,
                        "eu-west",
                        "NEW",
                        BigDecimal.ONE,
                        DAY.plusDays(own.nextInt(5)).plusMinutes(Math.floorMod(id, 1440))));
              }
              synchronized (t) {
                t.refresh();
                writer.append(t, batch);
              }
              done.incrementAndGet();
            }
          });
    }
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.MINUTES);
    return done.get() * 1e9 / (System.nanoTime() - t0);
  }

  /**
   * The stack's catalog, as a writer with Floe's commit reporter pointed at the listener sees it.
   */
  private static Catalog reporting(LocalStack stack) {
    Map<String, String> props = new java.util.HashMap<>(stack.catalog().properties());
    props.put("metrics-reporter-impl", FloeCommitReporter.class.getName());
    props.put(FloeCommitReporter.URL, stack.service("commit-listener").url().toString());
    return CatalogUtil.buildIcebergCatalog(
        stack.catalog().name(), props, new org.apache.hadoop.conf.Configuration());
  }

  /**
   * One commit of a writer: an append to a random source, or every n-th a compaction or a change of
   * rows already there. None may fail: a conflict with the other writer, the captures' pins or the
   * expiry is retried 20 times (the sources' {@code commit.retry.num-retries}), and no writer
   * commits while the REST catalog is stopped ({@link #catalogUp}), as a writer that knows its
   * catalog is down would not; service and broker faults do not reach a writer, whose commit
   * reporter never throws. A failure is recorded in {@link #writerErrors}, which the run asserts
   * empty.
   */
  private void commit(TableWriter writer, List<Table> sources) {
    Table source;
    int rows;
    int days;
    synchronized (random) {
      source = sources.get(random.nextInt(sources.size()));
      rows = 1 + random.nextInt(4);
      days = random.nextInt(5);
    }
    catalogUp.readLock().lock();
    int n = commits.incrementAndGet();
    boolean rewriting =
        plan.rewriteEvery() > 0
            && n % plan.rewriteEvery() == 0
            && (plan.compactEvery() == 0 || n % plan.compactEvery() != 0);
    int kind = 0;
    if (n <= sources.size()) {
      source = sources.get(n - 1); // every source gets rows first, for the rewrites to change
    }
    if (rewriting) {
      // The r-th rewrite goes to the sources in turn, and each source's rewrites go through the
      // kinds in turn from a start of its own: every kind shows up early, and the format-3
      // source's first rewrite is a merge-on-read update, written as deletion vectors.
      int r = n / plan.rewriteEvery();
      int index = r % sources.size();
      source = sources.get(index);
      kind = (r / sources.size() + index) % 5;
    }
    try {
      synchronized (source) {
        Instant began = Instant.now();
        source.refresh();
        Snapshot s;
        if (plan.compactEvery() > 0 && n % plan.compactEvery() == 0) {
          s = writer.compact(source);
        } else if (rewriting) {
          s = rewrite(writer, source, kind);
          if (s != null) {
            vectorsWritten.addAndGet(Long.parseLong(s.summary().getOrDefault("added-dvs", "0")));
          }
        } else {
          List<Record> batch = new ArrayList<>();
          for (int i = 0; i < rows; i++) {
            long id = nextOrder.getAndIncrement();
            batch.add(
                Orders.order(
                    source,
                    id,
                    "eu-west",
                    "NEW",
                    BigDecimal.valueOf(id % 100),
                    DAY.plusDays(days).plusMinutes(id % 1440)));
          }
          s = writer.append(source, batch);
          long at = System.currentTimeMillis();
          StageClock clock = stages;
          if (clock != null && s != null) {
            clock.committed(s.snapshotId(), s.timestampMillis());
          }
          batch.forEach(r -> committedAt.put((Long) r.getField("order_id"), at));
        }
        record(source, s);
        if (s != null) {
          landings.add(new Landing(began, Instant.now()));
        }
      }
    } catch (RuntimeException e) {
      // Not committed, or not known to be: the source table stays the truth to compare with.
      writerErrors.add("commit %d to %s at %s: %s".formatted(n, source.name(), Instant.now(), e));
    } finally {
      catalogUp.readLock().unlock();
    }
  }

  /**
   * A commit that changes rows already there, of kind {@code kind}: 0, position deletes of one row
   * (deletion vectors on a format-3 table); 1, a merge-on-read update of one row's amount and
   * status, as Spark's {@code UPDATE} writes it; 2, equality deletes of one row; 3, a copy-on-write
   * overwrite of one row's day, which drops that row and updates the status of the others; 4, an
   * upsert of one row as Flink writes it (equality deletes with the new version). Null when the
   * table has no row yet.
   */
  private Snapshot rewrite(TableWriter writer, Table source, int kind) {
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(source).build()) {
      records.forEach(r -> rows.add(plain(source.schema(), r).copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (rows.isEmpty()) {
      return null;
    }
    Record victim;
    synchronized (random) {
      victim = rows.get(random.nextInt(rows.size()));
    }
    Object id = victim.getField("order_id");
    return switch (kind) {
      case 0 ->
          TableUtil.formatVersion(source) >= 3
              ? writer.deleteRowsByVector(source, Expressions.equal("order_id", id))
              : writer.deleteRowsByPosition(source, Expressions.equal("order_id", id));
      case 1 ->
          writer.updateRows(
              source,
              Expressions.equal("order_id", id),
              row -> {
                row.setField("amount", ((BigDecimal) row.getField("amount")).add(BigDecimal.ONE));
                row.setField("status", "PAID");
                return row;
              });
      case 2 -> writer.deleteRowsByEquality(source, "order_id", List.of(id));
      case 4 -> {
        // An upsert as Flink writes it: equality deletes of the key with the row's new version.
        Record upserted = victim.copy();
        upserted.setField("amount", ((BigDecimal) victim.getField("amount")).add(BigDecimal.TEN));
        upserted.setField("status", "UPSERTED");
        yield writer.upsert(source, "order_id", List.of(upserted));
      }
      default -> {
        long day = dayOf((OffsetDateTime) victim.getField("order_ts"));
        List<Record> kept = new ArrayList<>();
        for (Record row : rows) {
          if (dayOf((OffsetDateTime) row.getField("order_ts")) == day && !row.equals(victim)) {
            row.setField("status", "PAID");
            kept.add(row);
          }
        }
        yield writer.overwrite(source, days(day, day), kept);
      }
    };
  }

  /**
   * The row with the table's columns only: Iceberg's generic scan of a file with position deletes
   * also returns the {@code _pos} column its delete filter needed.
   */
  private static Record plain(Schema schema, Record row) {
    if (row.struct().fields().size() == schema.columns().size()) {
      return row;
    }
    GenericRecord out = GenericRecord.create(schema);
    schema.columns().forEach(c -> out.setField(c.name(), row.getField(c.name())));
    return out;
  }

  /** Days since the epoch, in UTC. */
  private static long dayOf(OffsetDateTime ts) {
    return ts.toInstant().getEpochSecond() / 86_400;
  }

  /** The rows of days {@code first} to {@code last}, by {@code order_ts}. */
  private static Expression days(long first, long last) {
    return Expressions.and(
        Expressions.greaterThanOrEqual("order_ts", first * 86_400_000_000L),
        Expressions.lessThan("order_ts", (last + 1) * 86_400_000_000L));
  }

  private void record(Table source, Snapshot s) {
    if (s != null && !DataOperations.REPLACE.equals(s.operation())) {
      written
          .computeIfAbsent(source.name(), k -> ConcurrentHashMap.newKeySet())
          .add(s.snapshotId());
    }
    if (s != null) {
      SnapshotChanges.builderFor(source)
          .snapshot(s)
          .build()
          .addedDataFiles()
          .forEach(f -> sourceDataFiles.add(f.location()));
    }
  }

  /**
   * Expires old snapshots of every source as a maintenance job would, files deleted included, but
   * never one that is not captured yet, nor its parent: history expired before its capture is lost
   * by design (the capture can only say so), while from its capture on a change and its parent are
   * pinned, which is what this tests. First it releases, as the job's owner would once runs are
   * applied, the capture's pins that no change still needs ({@link #releasable}): the capture pins
   * every change's snapshot and its parent until their TTL, so without a release nothing would
   * expire. Compactions and rewrites make expiry delete data files that applied changes' ICDC
   * states reference.
   */
  private void expire(
      List<Table> sources, EventTap changes, StackHttp operator, URI captureService) {
    Set<Long> captured = new HashSet<>();
    try {
      changes.poll(Duration.ofMillis(500));
    } catch (RuntimeException e) {
      return; // the broker is restarting: the next round expires
    }
    changes.payloads(ChangeCaptured.class, c -> true).stream()
        .map(c -> c.range().toSnapshotId())
        .forEach(captured::add);
    for (Table source : sources) {
      try {
        synchronized (source) {
          source.refresh();
          Long releasable = releasable(source);
          if (releasable != null) {
            String name = source.name().substring(source.name().lastIndexOf('.') + 1);
            operator.post(
                captureService.resolve("/captures/cap-" + name.replace('_', '-') + "/pins/release"),
                "{\"upToSnapshotId\": " + releasable + "}");
            source.refresh();
          }
          long olderThan = System.currentTimeMillis() - plan.expireOlderThan().toMillis();
          for (Snapshot s : source.snapshots()) {
            if (!captured.contains(s.snapshotId())) {
              // Nor its parent, which its capture pins and a run over it reads (its range starts
              // there): a compaction before it is captured but pinned by no change, as triggers
              // skip compactions, and expiring it while the capture is down loses the run's start.
              Snapshot parent = s.parentId() == null ? null : source.snapshot(s.parentId());
              olderThan = Math.min(olderThan, (parent != null ? parent : s).timestampMillis());
            }
          }
          source
              .expireSnapshots()
              .expireOlderThan(olderThan)
              .retainLast(2)
              .deleteWith(
                  path -> {
                    if (URI.create(path)
                        .getPath()
                        .startsWith(URI.create(source.location()).getPath() + "/metadata/")) {
                      source.io().deleteFile(path);
                    } else {
                      deletedByExpiry.add(path); // released: kept on disk, never read again
                    }
                  })
              .commit();
        }
      } catch (RuntimeException e) {
        // the catalog is down, or a writer won: the next round expires it
      }
    }
  }

  /**
   * The newest snapshot of {@code source} whose pin no change still needs, or null: the snapshot
   * two before the oldest change no job applied yet, whose parent a run over it reads (its range
   * starts there); with every change applied, the one before the current snapshot, the parent of
   * the next change.
   */
  private Long releasable(Table source) {
    List<Snapshot> lineage = new ArrayList<>();
    for (Snapshot s = source.currentSnapshot();
        s != null;
        s = s.parentId() == null ? null : source.snapshot(s.parentId())) {
      lineage.add(0, s);
    }
    int pending = lineage.size();
    for (int i = 0; i < lineage.size(); i++) {
      Snapshot s = lineage.get(i);
      if (!DataOperations.REPLACE.equals(s.operation()) && !applied.contains(s.snapshotId())) {
        pending = i;
        break;
      }
    }
    return pending >= 2 ? lineage.get(pending - 2).snapshotId() : null;
  }

  /**
   * Starts each fault on its own thread, at its own point of the commit stream (seeded, among the
   * planned commits), so that faults overlap: a kill -9 of each service and a stop of the broker,
   * each started again once a writer's commit landed while it was down; with the REST catalog, its
   * server stopped for {@link #CATALOG_OUTAGE} (the writers wait, as any writer would). The writers
   * go on until the last fault is over. A fault that fails, a restart over its budget among them,
   * is recorded in {@link #faultFailures}.
   */
  private List<Thread> injectFaults(LocalStack stack, Instant start) {
    Map<String, Runnable> planned = new LinkedHashMap<>();
    for (String service : LocalStack.SERVICES) {
      planned.put("kill -9 " + service, () -> killAndRestart(stack, service, start));
    }
    planned.put("broker restart", () -> restartBroker(stack, start));
    if (plan.catalog() == CatalogKind.REST) {
      planned.put("REST catalog outage", () -> stopCatalog(stack, start));
    }
    Random points = new Random(7);
    int span = Math.max(1, plan.commits() * 3 / 4 - FIRST_FAULT);
    List<Thread> threads = new ArrayList<>();
    planned.forEach(
        (what, fault) -> {
          int point = FIRST_FAULT + points.nextInt(span);
          Thread thread =
              new Thread(
                  () -> {
                    try {
                      awaitCommits(point);
                      fault.run();
                    } catch (Throwable e) {
                      faultFailures.add(e);
                    }
                  },
                  what + " at commit " + point);
          thread.setDaemon(true);
          thread.start();
          threads.add(thread);
        });
    return threads;
  }

  private void killAndRestart(LocalStack stack, String service, Instant start) {
    Instant at = Instant.now();
    stack.service(service).kill();
    Instant dead = Instant.now();
    awaitCommitSince(dead, service);
    Instant restarting = Instant.now();
    stack.restart(service);
    Down down = new Down(service, dead, Instant.now());
    downs.add(down);
    if (service.equals("trigger-service")) {
      // The trigger-service may have lost a launch's outcome from its kill on.
      relaunchFaults.add(new LaunchContract.Fault(at, down.to()));
    }
    faults.add(
        new Injected(
            at,
            "kill -9 %s at %ds: down %.1f s, %d commits meanwhile, restart %.1f s of %d s allowed"
                .formatted(
                    service,
                    Duration.between(start, at).toSeconds(),
                    seconds(down.from(), down.to()),
                    commitsWhile(down),
                    seconds(restarting, down.to()),
                    stack.restartBudget(service).toSeconds())));
  }

  private void restartBroker(LocalStack stack, Instant start) {
    Instant at = Instant.now();
    stack.kafka().stop();
    Instant dead = Instant.now();
    awaitCommitSince(dead, "the broker");
    Instant restarting = Instant.now();
    stack.kafka().restart();
    Down down = new Down("broker", dead, Instant.now());
    downs.add(down);
    relaunchFaults.add(new LaunchContract.Fault(at, down.to()));
    faults.add(
        new Injected(
            at,
            "broker restart at %ds: down %.1f s, %d commits meanwhile, start %.1f s"
                .formatted(
                    Duration.between(start, at).toSeconds(),
                    seconds(down.from(), down.to()),
                    commitsWhile(down),
                    seconds(restarting, down.to()))));
  }

  /** No commit lands meanwhile: the writers wait for the catalog, as any writer would. */
  private void stopCatalog(LocalStack stack, Instant start) {
    catalogUp.writeLock().lock();
    try {
      Instant at = Instant.now();
      RestCatalogServer server = stack.catalog().restServer();
      server.stop();
      ScheduledFuture<?> back =
          later.schedule(
              (Runnable) server::start, CATALOG_OUTAGE.toMillis(), TimeUnit.MILLISECONDS);
      await("the REST catalog back after " + CATALOG_OUTAGE)
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> back.isDone() && server.isRunning());
      faults.add(
          new Injected(
              at,
              "REST catalog stopped at %ds: down %.1f s"
                  .formatted(Duration.between(start, at).toSeconds(), seconds(at, Instant.now()))));
    } finally {
      catalogUp.writeLock().unlock();
    }
  }

  /** Waits until the writers have begun {@code n} commits: faults fall mid-stream. */
  private void awaitCommits(int n) {
    await("%d commits".formatted(n))
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> commits.get() >= n);
  }

  /**
   * Keeps {@code part} down until a writer's commit begun since {@code dead} has landed, at most
   * {@link #LANDING_WAIT}: if none lands, the part is started anyway and the check after the
   * writing names it.
   */
  private void awaitCommitSince(Instant dead, String part) {
    try {
      await("a commit while %s is down".formatted(part))
          .atMost(LANDING_WAIT)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> landings.stream().anyMatch(c -> c.from().isAfter(dead)));
    } catch (ConditionTimeoutException e) {
      System.out.printf("no commit landed in %s while %s was down%n", LANDING_WAIT, part);
    }
  }

  private long commitsWhile(Down down) {
    return landings.stream().filter(down::holds).count();
  }

  /** Each service or broker down while no writer's commit landed. */
  private List<Down> downWithoutCommits() {
    return downs.stream().filter(d -> commitsWhile(d) == 0).toList();
  }

  /** Fails with the first fault that failed, the others suppressed by it. */
  private void failIfAnyFaultFailed() {
    Throwable first = faultFailures.peek();
    if (first != null) {
      AssertionError failed = new AssertionError("a fault failed: " + first, first);
      faultFailures.stream().skip(1).forEach(failed::addSuppressed);
      throw failed;
    }
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  /**
   * No service log and no broker log holds a bearer token or the job's credential (which the
   * trigger-service resolves from its configuration for each call).
   */
  private static void assertNoSecretIn(LocalStack stack, StackHttp... callers) throws IOException {
    List<String> secrets = new ArrayList<>(List.of(JOB_SECRET));
    for (StackHttp caller : callers) {
      secrets.add(caller.token());
    }
    Path home = stack.service("commit-listener").log().getParent().getParent();
    List<Path> logs;
    try (Stream<Path> files = Files.walk(home)) {
      logs = files.filter(f -> f.toString().endsWith(".log")).toList();
    }
    assertThat(logs).isNotEmpty();
    for (Path log : logs) {
      String text = Files.readString(log, StandardCharsets.ISO_8859_1);
      for (String secret : secrets) {
        assertThat(text.contains(secret)).as("%s holds a secret", log).isFalse();
      }
    }
  }

  private static TableIdentifier target(Table source) {
    String name = source.name();
    return TableIdentifier.of("targets", name.substring(name.lastIndexOf('.') + 1));
  }

  private static List<String> rows(Catalog catalog, TableIdentifier id) {
    return rows(catalog.loadTable(id));
  }

  /** Every row of the table's current state, as sorted strings. */
  private static List<String> rows(Table table) {
    table.refresh();
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      records.forEach(r -> rows.add(plain(table.schema(), r).toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Collections.sort(rows);
    return rows;
  }

  private static Map<String, String> mib(Map<String, Long> bytes) {
    Map<String, String> out = new java.util.TreeMap<>();
    bytes.forEach((k, v) -> out.put(k, (v >> 20) + " MiB"));
    return out;
  }

  private static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
