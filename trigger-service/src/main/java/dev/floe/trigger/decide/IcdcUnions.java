package dev.floe.trigger.decide;

import dev.floe.broker.Failures;
import dev.floe.catalog.CatalogFailures;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.RangeStates;
import dev.floe.icdc.RefCommits;
import dev.floe.icdc.TableRefs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.exceptions.ValidationException;
import org.jboss.logging.Logger;

/**
 * Commits the two states of a run's input of several change sets in their capture's ICDC table:
 * over the source snapshots the changes cover, (S0, Sn], the rows removed (read as S0 saw them)
 * under {@code run-<run id>-removed} and the rows added (read as Sn sees them) under {@code
 * run-<run id>}, built from the source's metadata by {@link RangeStates}, so that {@code rows(Sn) =
 * rows(S0) − removed + added} for every kind of change between, compactions included. Zero-copy and
 * idempotent: a run formed again finds its tags.
 *
 * <p>When the ICDC table is gone (expired), the input carries only its change ids, and a warning
 * says why. A state that cannot be formed for good (a snapshot of the range expired, Iceberg
 * refuses the commit) is refused ({@link Unions.Refused}); a catalog that cannot be reached, or
 * commits lost to other writers, leave the run to be formed again ({@link Unions.Unavailable}).
 */
public final class IcdcUnions implements Unions {
  /** An outage of the catalog or its storage postpones a run; anything else refuses it. */
  private static final Failures FAILURES = Failures.of(CatalogFailures::isTransient);

  private static final Logger LOG = Logger.getLogger(IcdcUnions.class);
  public static final String RUN_PREFIX = "run-";
  public static final String REMOVED_SUFFIX = "-removed";

  /** The summary key naming the digest of the change ids a run's states were formed from. */
  public static final String CHANGES_DIGEST = IcdcStates.SUMMARY_PREFIX + "run-changes";

  private final Supplier<Catalog> catalogs;

  public IcdcUnions(Supplier<Catalog> catalogs) {
    this.catalogs = catalogs;
  }

  /** The tag of a run's added state. */
  public static String addedTag(String runId) {
    return RUN_PREFIX + runId;
  }

  /** The tag of a run's removed state. */
  public static String removedTag(String runId) {
    return RUN_PREFIX + runId + REMOVED_SUFFIX;
  }

  @Override
  public boolean formsStates(RunRequested request, List<PendingChange> changes) {
    Map<String, List<PendingChange>> byCapture = byCapture(changes);
    return request.inputs().stream()
        .anyMatch(i -> formsStates(i, byCapture.getOrDefault(i.captureId(), List.of())));
  }

  /** An input of one change set reads that change's states; one of several gets its own. */
  private static boolean formsStates(RunInput input, List<PendingChange> mine) {
    return input.icdc() == null && input.removedIcdc() == null && mine.size() >= 2;
  }

  private static Map<String, List<PendingChange>> byCapture(List<PendingChange> changes) {
    Map<String, List<PendingChange>> byCapture = new LinkedHashMap<>();
    for (PendingChange change : changes) {
      byCapture.computeIfAbsent(change.captureId(), k -> new ArrayList<>()).add(change);
    }
    return byCapture;
  }

  @Override
  public RunRequested complete(RunRequested request, List<PendingChange> changes) {
    Map<String, List<PendingChange>> byCapture = byCapture(changes);
    List<RunInput> inputs = new ArrayList<>();
    for (RunInput input : request.inputs()) {
      List<PendingChange> mine = byCapture.getOrDefault(input.captureId(), List.of());
      inputs.add(formsStates(input, mine) ? states(request.runId(), input, mine) : input);
    }
    return new RunRequested(
        request.runId(),
        request.triggerId(),
        inputs,
        request.records(),
        request.lateData(),
        request.reason(),
        request.backfill(),
        request.attempt());
  }

  private RunInput states(String runId, RunInput input, List<PendingChange> changes) {
    // A change that came without states says so first: it is why no run over it has any.
    Optional<String> refused =
        changes.stream()
            .map(PendingChange::statesRefused)
            .filter(Objects::nonNull)
            .min(Comparator.comparing(why -> !why.startsWith(Decider.CAME_WITHOUT_STATES)));
    if (refused.isPresent()) {
      return input.withoutStates(refused.get());
    }
    TableRef name =
        changes.stream()
            .map(c -> c.icdc() != null ? c.icdc() : c.removedIcdc())
            .filter(Objects::nonNull)
            .map(IcdcRef::table)
            .findFirst()
            .orElse(null);
    if (name == null) {
      LOG.warnf(
          "run %s: no change set has an ICDC state, the input carries change ids only", runId);
      return input.withoutStates("no change set has an ICDC state");
    }
    Catalog catalog = catalogs.get();
    Table icdc;
    Table source;
    try {
      icdc = catalog.loadTable(TableRefs.identifier(name));
      source = catalog.loadTable(TableRefs.identifier(input.table()));
    } catch (NoSuchTableException e) {
      LOG.warnf("run %s: %s; the input carries change ids only", runId, e.getMessage());
      return input.withoutStates(e.getMessage());
    } catch (RuntimeException e) {
      throw new Unavailable("cannot load " + name + ": " + e.getMessage(), e);
    }
    // A failed run's changes fold in front of later ones: back in the source's order. When a
    // change's snapshot has expired its place is unknown, and the order they came in is kept; a
    // range that must read that snapshot is refused below, naming it.
    if (changes.stream().allMatch(c -> source.snapshot(c.range().toSnapshotId()) != null)) {
      List<PendingChange> ordered = new ArrayList<>(changes);
      ordered.sort(
          Comparator.comparingLong(
              c -> source.snapshot(c.range().toSnapshotId()).sequenceNumber()));
      changes = ordered;
    }
    String added = addedTag(runId);
    String removed = removedTag(runId);
    String digest = CommittedRunStates.digest(changes);
    Optional<RunInput> done = CommittedRunStates.find(icdc, name, input, added, removed, digest);
    if (done.isPresent()) {
      return done.get();
    }
    Long from = changes.get(0).range().fromSnapshotIdExclusive();
    long to = changes.get(changes.size() - 1).range().toSnapshotId();
    try {
      RangeStates.States states = RunRanges.statesOf(source, changes);
      if (states == null) {
        String why = RunRanges.gap(source, changes);
        LOG.warnf("run %s: %s; the input carries change ids only", runId, why);
        return input.withoutStates(why);
      }
      List<DeleteFile> deletes = new ArrayList<>(states.added().deletes());
      deletes.addAll(states.removed().deletes());
      Optional<String> unrepresentable = IcdcStates.unrepresentable(icdc, deletes);
      if (unrepresentable.isPresent()) {
        throw refused(input, from, to, unrepresentable.get(), null);
      }
      Map<String, String> summary =
          Map.of(IcdcStates.SUMMARY_PREFIX + "run-id", runId, CHANGES_DIGEST, digest);
      Duration ttl = ttl(icdc, changes);
      RefCommits.retrying(
          icdc,
          () -> {
            if (CommittedRunStates.matches(icdc, added, digest)
                || CommittedRunStates.matches(icdc, removed, digest)) {
              return; // committed by an earlier attempt
            }
            long base = IcdcStates.base(icdc);
            Transaction txn = icdc.newTransaction();
            // States of this run id over other changes: a decision dropped after they were
            // committed, and taken again with other changes. They are replaced.
            for (String stale : List.of(added, removed)) {
              if (icdc.refs().containsKey(stale)) {
                txn.manageSnapshots().removeTag(stale).commit();
              }
            }
            boolean any = IcdcStates.commitEnd(txn, base, added, states.added(), summary, ttl);
            any |= IcdcStates.commitEnd(txn, base, removed, states.removed(), summary, ttl);
            if (any) {
              txn.commitTransaction();
            }
          });
      icdc.refresh();
      LOG.debugf(
          "run %s: states over (%s, %d] of %s: %d data files removed, %d added; %d manifests read,"
              + " %d skipped",
          runId,
          from,
          to,
          input.table(),
          states.removed().data().size(),
          states.added().data().size(),
          states.manifestsRead(),
          states.manifestsSkipped());
    } catch (Refused e) {
      throw e;
    } catch (RangeStates.HistoryGone
        | ValidationException
        | IllegalArgumentException
        | NotFoundException e) {
      // A snapshot of the range expired, Iceberg refused the state (a validation, or a
      // precondition of its API), or a file it must read is gone: no retry can win.
      throw refused(input, from, to, e.getMessage(), e);
    } catch (RuntimeException e) {
      if (FAILURES.isRetriable(e)) {
        throw new Unavailable("cannot form the states of run " + runId + ": " + e.getMessage(), e);
      }
      // Not an outage: an error that the same inputs give again.
      throw new Refused(
          input.captureId(), "the states of " + input.table() + " cannot be formed: " + e, e);
    }
    return CommittedRunStates.find(icdc, name, input, added, removed, digest)
        .orElse(input.withStates(null, null));
  }

  private static Refused refused(RunInput input, Long from, long to, String why, Throwable cause) {
    return new Refused(
        input.captureId(),
        "the states of "
            + input.table()
            + " over ("
            + from
            + ", "
            + to
            + "] cannot be formed: "
            + why,
        cause);
  }

  /** The longest time-to-live of the change states, so the run's lives as long as they do. */
  private static Duration ttl(Table icdc, List<PendingChange> changes) {
    long ttl = 0;
    for (PendingChange change : changes) {
      for (IcdcRef state : new IcdcRef[] {change.icdc(), change.removedIcdc()}) {
        SnapshotRef ref = state == null ? null : icdc.refs().get(state.ref());
        if (ref != null && ref.maxRefAgeMs() != null) {
          ttl = Math.max(ttl, ref.maxRefAgeMs());
        }
      }
    }
    return ttl > 0 ? Duration.ofMillis(ttl) : Duration.ofDays(7);
  }
}
