package dev.floe.icdc;

import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.DeleteFiles;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotChanges;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.util.ContentFileUtil;

/**
 * Readable states of an ICDC table, each a tag on a snapshot that references exactly the files of a
 * change (or of a union of changes), committed zero-copy: the source's own file objects are added,
 * and no data file is written.
 *
 * <p>Idempotent: a state is committed once under its tag; asking again returns the existing tag.
 * Each state's snapshot summary records what it holds ({@link #SUMMARY_PREFIX} keys).
 */
public final class IcdcStates {
  /**
   * Where a state's commits read and write their manifests: on the calling thread. A state has a
   * manifest or two; Iceberg's worker pool would hand each to another thread and poll for it every
   * 10 ms, which made a state's commit wait tens of milliseconds for nothing.
   */
  private static final ExecutorService IN_CALLER =
      new AbstractExecutorService() {
        @Override
        public void execute(Runnable task) {
          task.run();
        }

        @Override
        public void shutdown() {}

        @Override
        public List<Runnable> shutdownNow() {
          return List.of();
        }

        @Override
        public boolean isShutdown() {
          return false;
        }

        @Override
        public boolean isTerminated() {
          return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
          return false;
        }
      };

  public static final String SUMMARY_PREFIX = "floe.";
  public static final String CHANGE_PREFIX = "change-";
  public static final String REMOVED_PREFIX = "removed-";

  /**
   * The tag of a change whose states Iceberg refuses for good: an empty snapshot whose summary
   * records the change (high-water marks included) and why ({@link #OMITTED_REASON}).
   */
  public static final String OMITTED_PREFIX = "omitted-";

  public static final String OMITTED_REASON = SUMMARY_PREFIX + "states-omitted";

  private static final int FIRST_DELETE_FORMAT = 2;
  private static final int FIRST_VECTOR_FORMAT = 3;

  private IcdcStates() {}

  public static String omittedTag(long toSnapshotId) {
    return OMITTED_PREFIX + toSnapshotId;
  }

  /**
   * Why Iceberg would refuse, for good, a state holding {@code deletes} in {@code icdc}, or empty
   * when it takes them. A table of format 3 or later (and the ICDC table becomes one as soon as a
   * state holds a deletion vector) takes no format-2 position delete file, yet a data file of a
   * source upgraded from format 2 may keep one, and a state of that file as its source read it
   * needs it. Nothing but copying the deletes into a new deletion vector could hold it.
   */
  public static Optional<String> unrepresentable(Table icdc, Iterable<DeleteFile> deletes) {
    DeleteFile legacy = null;
    boolean vectors = formatVersion(icdc) >= FIRST_VECTOR_FORMAT;
    for (DeleteFile file : deletes) {
      if (ContentFileUtil.isDV(file)) {
        vectors = true;
      } else if (file.content() == FileContent.POSITION_DELETES && legacy == null) {
        legacy = file;
      }
    }
    if (legacy == null || !vectors) {
      return Optional.empty();
    }
    return Optional.of(
        "a format-3 table takes no format-2 position deletes, and the state needs "
            + legacy.location()
            + ", kept by its data file through the source's upgrade to format 3; rewriting the"
            + " source's position deletes (as deletion vectors) ends this");
  }

  private static int formatVersion(Table table) {
    return ((HasTableOperations) table).operations().current().formatVersion();
  }

  public static String changeTag(long toSnapshotId) {
    return CHANGE_PREFIX + toSnapshotId;
  }

  public static String removedTag(long toSnapshotId) {
    return REMOVED_PREFIX + toSnapshotId;
  }

  /** The state under {@code tag}, if it was committed. */
  public static Optional<IcdcRef> find(Table icdc, TableRef name, String tag) {
    SnapshotRef ref = icdc.refs().get(tag);
    return ref == null ? Optional.empty() : Optional.of(ref(icdc, name, tag, ref.snapshotId()));
  }

  /** The summary of the snapshot under {@code tag}, if there is one. */
  public static Optional<Map<String, String>> summary(Table icdc, String tag) {
    SnapshotRef ref = icdc.refs().get(tag);
    return ref == null ? Optional.empty() : Optional.of(icdc.snapshot(ref.snapshotId()).summary());
  }

  /**
   * One commit of a state: files to add, and paths of files added by earlier steps to remove. Steps
   * keep their order, so the states' data sequence numbers keep the order of the source's: an
   * equality delete of a later change applies to the rows of an earlier one, as in the source.
   */
  public record Step(
      List<DataFile> addData, List<DeleteFile> addDeletes, List<ContentFile<?>> remove) {}

  /**
   * Commits a state built from {@code steps} in order, in one catalog commit, unless {@code tag}
   * exists already.
   */
  public static void commitSteps(
      Table icdc, String tag, List<Step> steps, Map<String, String> summary, Duration ttl) {
    RefCommits.retrying(
        icdc,
        () -> {
          if (icdc.refs().containsKey(tag)) {
            return;
          }
          Transaction txn = icdc.newTransaction();
          commitState(txn, base(icdc), tag, steps, summary, ttl);
          txn.commitTransaction();
        });
  }

  /**
   * Adds the commits of a state to {@code txn}, ending in tag {@code tag}; for callers that commit
   * several states in one catalog commit.
   */
  public static void commitState(
      Transaction txn,
      long base,
      String tag,
      List<Step> steps,
      Map<String, String> summary,
      Duration ttl) {
    build(txn, base, tag, coalesce(steps), summary, ttl);
  }

  /** The commits of {@code steps} on a branch from {@code base}, in order, then tag {@code tag}. */
  private static void build(
      Transaction txn,
      long base,
      String tag,
      List<Step> steps,
      Map<String, String> summary,
      Duration ttl) {
    // Deletes need format 2, deletion vectors format 3: a table registered from an older format
    // is upgraded by the first state that needs it, and not before, so that states of format-2
    // position deletes (changes from before the source's upgrade, captured late) still go in.
    int needed = FIRST_DELETE_FORMAT - 1;
    for (Step step : steps) {
      for (DeleteFile file : step.addDeletes()) {
        needed =
            Math.max(
                needed, ContentFileUtil.isDV(file) ? FIRST_VECTOR_FORMAT : FIRST_DELETE_FORMAT);
      }
    }
    if (formatVersion(txn.table()) < needed) {
      txn.updateProperties().set(TableProperties.FORMAT_VERSION, Integer.toString(needed)).commit();
    }
    String branch = "floe-building-" + tag;
    txn.manageSnapshots().createBranch(branch, base).commit();
    for (Step step : steps) {
      if (!step.remove().isEmpty()) {
        DeleteFiles delete = txn.newDelete().toBranch(branch).scanManifestsWith(IN_CALLER);
        step.remove().forEach(f -> delete.deleteFile(f.location()));
        summary.forEach(delete::set);
        delete.commit();
      }
      if (!step.addData().isEmpty() || !step.addDeletes().isEmpty()) {
        RowDelta delta = txn.newRowDelta().toBranch(branch).scanManifestsWith(IN_CALLER);
        step.addData().forEach(delta::addRows);
        step.addDeletes().forEach(delta::addDeletes);
        summary.forEach(delta::set);
        delta.set(SUMMARY_PREFIX + "state", tag);
        delta.commit();
      }
    }
    tagHead(txn, branch, tag, ttl);
  }

  private static void tagHead(Transaction txn, String branch, String tag, Duration ttl) {
    long head = txn.table().refs().get(branch).snapshotId();
    txn.manageSnapshots()
        .createTag(tag, head)
        .setMaxRefAgeMs(tag, ttl.toMillis())
        .removeBranch(branch)
        .commit();
  }

  /**
   * Adds to {@code txn} an empty snapshot from {@code base} with {@code summary}, under tag {@code
   * tag} for {@code ttl}: the record of a change whose states were omitted ({@link
   * #OMITTED_PREFIX}).
   */
  public static void commitMarker(
      Transaction txn, long base, String tag, Map<String, String> summary, Duration ttl) {
    String branch = "floe-building-" + tag;
    txn.manageSnapshots().createBranch(branch, base).commit();
    AppendFiles marker = txn.newFastAppend().toBranch(branch).scanManifestsWith(IN_CALLER);
    summary.forEach(marker::set);
    marker.set(SUMMARY_PREFIX + "state", tag);
    marker.commit();
    tagHead(txn, branch, tag, ttl);
  }

  /**
   * Adds to {@code txn} the commits of a state holding {@code end}'s files, ending in tag {@code
   * tag}, unless {@code end} is empty. The files keep the order of their data sequence numbers in
   * the source, so that every delete file applies to the same data files of the state as it did
   * there: files of one source sequence number share a commit, as they shared one in the source,
   * and consecutive sequence numbers share one where no delete of the later could then apply to
   * data of the earlier, or the other way round (a position delete applies to data of its own
   * commit, an equality delete does not). A change of appends and deletion vectors takes one or two
   * commits; files of many commits interleaved with equality deletes take more.
   *
   * @return true when a state was added
   */
  public static boolean commitEnd(
      Transaction txn,
      long base,
      String tag,
      RangeStates.End end,
      Map<String, String> summary,
      Duration ttl) {
    if (end.isEmpty()) {
      return false;
    }
    List<Step> steps = new ArrayList<>();
    blocks(end).forEach(b -> steps.add(new Step(b.data, b.deletes, List.of())));
    build(txn, base, tag, steps, summary, ttl);
    return true;
  }

  /** The files of one commit of a state. */
  private static final class Block {
    final List<DataFile> data = new ArrayList<>();
    final List<DeleteFile> deletes = new ArrayList<>();
    boolean positionDeletes;
    boolean equalityDeletes;
  }

  static List<Block> blocks(RangeStates.End end) {
    java.util.TreeMap<Long, Block> bySequence = new java.util.TreeMap<>();
    for (DataFile file : end.data()) {
      bySequence.computeIfAbsent(file.dataSequenceNumber(), k -> new Block()).data.add(file);
    }
    for (DeleteFile file : end.deletes()) {
      Block group = bySequence.computeIfAbsent(file.dataSequenceNumber(), k -> new Block());
      group.deletes.add(file);
      if (file.content() == org.apache.iceberg.FileContent.EQUALITY_DELETES) {
        group.equalityDeletes = true;
      } else {
        group.positionDeletes = true;
      }
    }
    List<Block> blocks = new ArrayList<>();
    Block current = null;
    for (Block group : bySequence.values()) {
      boolean split =
          current != null
              && ((!group.data.isEmpty() && current.positionDeletes)
                  || (group.equalityDeletes && !current.data.isEmpty()));
      if (current == null || split) {
        current = new Block();
        blocks.add(current);
      }
      current.data.addAll(group.data);
      current.deletes.addAll(group.deletes);
      current.positionDeletes |= group.positionDeletes;
      current.equalityDeletes |= group.equalityDeletes;
    }
    return blocks;
  }

  /**
   * The same state in fewer commits: a step that only adds data files joins the step before it. Its
   * rows keep being covered by exactly the equality deletes that covered them (those of later
   * steps; deletes added in the step it joins never apply to data of their own commit), so a union
   * of hundreds of appends is one commit instead of hundreds, while a step adding deletes or
   * removing files stays a commit of its own.
   */
  static List<Step> coalesce(List<Step> steps) {
    List<Step> merged = new ArrayList<>();
    for (Step step : steps) {
      boolean dataOnly = step.addDeletes().isEmpty() && step.remove().isEmpty();
      if (dataOnly && !merged.isEmpty()) {
        Step last = merged.remove(merged.size() - 1);
        List<DataFile> data = new ArrayList<>(last.addData());
        data.addAll(step.addData());
        merged.add(new Step(data, last.addDeletes(), last.remove()));
      } else {
        merged.add(step);
      }
    }
    return merged;
  }

  /** The empty snapshot every state starts from: the main branch's head, which never moves. */
  public static long base(Table icdc) {
    Snapshot main = icdc.currentSnapshot();
    if (main == null) {
      throw new IllegalStateException(icdc.name() + " has no base snapshot");
    }
    return main.snapshotId();
  }

  /**
   * The commits that built the state under {@code tag}, oldest first, as steps that rebuild it:
   * replaying the steps of several states in order gives their union, with the source's order of
   * data sequence numbers.
   */
  public static List<Step> stepsOf(Table icdc, String tag) {
    long base = base(icdc);
    List<Step> steps = new ArrayList<>();
    Snapshot snapshot = icdc.snapshot(icdc.refs().get(tag).snapshotId());
    while (snapshot != null && snapshot.snapshotId() != base) {
      List<DataFile> data = new ArrayList<>();
      List<DeleteFile> deletes = new ArrayList<>();
      List<ContentFile<?>> removed = new ArrayList<>();
      SnapshotChanges changes = SnapshotChanges.builderFor(icdc).snapshot(snapshot).build();
      changes.addedDataFiles().forEach(f -> data.add(f.copy()));
      changes.addedDeleteFiles().forEach(f -> deletes.add(f.copy()));
      changes.removedDataFiles().forEach(f -> removed.add(f.copy()));
      steps.add(0, new Step(data, deletes, removed));
      snapshot = snapshot.parentId() == null ? null : icdc.snapshot(snapshot.parentId());
    }
    return steps;
  }

  public static IcdcRef ref(Table icdc, TableRef name, String tag, long snapshotId) {
    String location =
        icdc instanceof HasTableOperations ops
            ? ops.operations().current().metadataFileLocation()
            : null;
    return new IcdcRef(name, tag, snapshotId, location);
  }
}
