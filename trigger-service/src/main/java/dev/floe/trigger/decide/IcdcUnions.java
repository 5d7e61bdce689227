package dev.floe.trigger.decide;

import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.TableRefs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.jboss.logging.Logger;

/**
 * Commits the union state of a run's change sets in their capture's ICDC table, under the tag
 * {@code run-<run id>}: their commits replayed in order, so equality deletes keep applying to the
 * rows they applied to in the source. Zero-copy and idempotent: a run formed again finds its tag.
 * When the ICDC table or one of the change states is gone (expired), the input carries only its
 * change ids, and a warning says why.
 */
public final class IcdcUnions implements Unions {
  private static final Logger LOG = Logger.getLogger(IcdcUnions.class);
  public static final String RUN_PREFIX = "run-";

  private final Supplier<Catalog> catalogs;

  public IcdcUnions(Supplier<Catalog> catalogs) {
    this.catalogs = catalogs;
  }

  @Override
  public RunRequested complete(RunRequested request, List<PendingChange> changes) {
    Map<String, List<PendingChange>> byCapture = new LinkedHashMap<>();
    for (PendingChange change : changes) {
      byCapture.computeIfAbsent(change.captureId(), k -> new ArrayList<>()).add(change);
    }
    List<RunInput> inputs = new ArrayList<>();
    for (RunInput input : request.inputs()) {
      List<PendingChange> mine = byCapture.getOrDefault(input.captureId(), List.of());
      if (input.icdc() != null || mine.size() < 2) {
        inputs.add(input);
        continue;
      }
      IcdcRef union = union(request.runId(), mine);
      inputs.add(
          new RunInput(
              input.captureId(),
              input.table(),
              union,
              input.snapshotRanges(),
              input.changeIds(),
              input.records(),
              input.ranges(),
              input.lateData()));
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

  private IcdcRef union(String runId, List<PendingChange> changes) {
    TableRef name = changes.get(0).icdc() == null ? null : changes.get(0).icdc().table();
    if (name == null || changes.stream().anyMatch(c -> c.icdc() == null)) {
      LOG.warnf("run %s: a change set has no ICDC state, the input carries change ids only", runId);
      return null;
    }
    Table icdc;
    try {
      icdc = catalogs.get().loadTable(TableRefs.identifier(name));
    } catch (NoSuchTableException e) {
      LOG.warnf(
          "run %s: ICDC table %s does not exist, the input carries change ids only", runId, name);
      return null;
    } catch (RuntimeException e) {
      throw new Unavailable("cannot load " + name + ": " + e.getMessage(), e);
    }
    String tag = RUN_PREFIX + runId;
    Optional<IcdcRef> done = IcdcStates.find(icdc, name, tag);
    if (done.isPresent()) {
      return done.get();
    }
    List<IcdcStates.Step> steps = new ArrayList<>();
    long ttl = 0;
    for (PendingChange change : changes) {
      SnapshotRef state = icdc.refs().get(change.icdc().ref());
      if (state == null) {
        LOG.warnf(
            "run %s: state %s of %s has expired, the input carries change ids only",
            runId, change.icdc().ref(), name);
        return null;
      }
      steps.addAll(IcdcStates.stepsOf(icdc, change.icdc().ref()));
      ttl = Math.max(ttl, state.maxRefAgeMs() == null ? 0 : state.maxRefAgeMs());
    }
    try {
      IcdcStates.commitSteps(
          icdc,
          tag,
          steps,
          Map.of(IcdcStates.SUMMARY_PREFIX + "run-id", runId),
          Duration.ofMillis(ttl > 0 ? ttl : Duration.ofDays(7).toMillis()));
      icdc.refresh();
    } catch (RuntimeException e) {
      throw new Unavailable("cannot commit " + tag + " in " + name + ": " + e.getMessage(), e);
    }
    return IcdcStates.find(icdc, name, tag).orElseThrow();
  }
}
