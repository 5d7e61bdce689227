package dev.floe.capture.icdc;

import dev.floe.icdc.IcdcStates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.util.SnapshotUtil;
import org.jboss.logging.Logger;

/**
 * Expires an ICDC table's states once their TTL has passed, and deletes the table's own metadata
 * files that nothing references any more. It never deletes a referenced file.
 *
 * <p>Iceberg's {@code expireSnapshots} refuses tables with {@code gc.enabled=false}, rightly: it
 * would delete data files. Expiry here is a metadata-only commit instead: the expired tags and the
 * snapshots no remaining ref reaches are removed from the table metadata, and no file is touched.
 * The clean-up then only considers manifests and manifest lists inside the table's own {@code
 * metadata/} folder that no snapshot references.
 */
public final class IcdcMaintenance {
  private static final Logger LOG = Logger.getLogger(IcdcMaintenance.class);

  /** Files this young may belong to a commit in flight; they are left for the next run. */
  public static final Duration GRACE = Duration.ofMinutes(10);

  private IcdcMaintenance() {}

  /**
   * Removes the states whose tag is older than its maximum age, and every snapshot no remaining
   * branch or tag reaches, in one metadata commit; returns how many states were removed.
   */
  public static int expire(Table icdc, Instant now) {
    TableOperations ops = ((HasTableOperations) icdc).operations();
    TableMetadata base = ops.refresh();
    List<String> expired = new ArrayList<>();
    base.refs()
        .forEach(
            (name, ref) -> {
              Snapshot snapshot = base.snapshot(ref.snapshotId());
              boolean old =
                  ref.maxRefAgeMs() != null
                      && (snapshot == null
                          || now.toEpochMilli() - snapshot.timestampMillis() > ref.maxRefAgeMs());
              if (!name.equals(SnapshotRef.MAIN_BRANCH) && old) {
                expired.add(name);
              }
            });
    if (expired.isEmpty()) {
      return 0;
    }
    Set<Long> reachable = new HashSet<>();
    base.refs()
        .forEach(
            (name, ref) -> {
              if (!expired.contains(name)) {
                SnapshotUtil.ancestorIds(base.snapshot(ref.snapshotId()), base::snapshot)
                    .forEach(reachable::add);
              }
            });
    List<Long> unreachable =
        base.snapshots().stream()
            .map(Snapshot::snapshotId)
            .filter(id -> !reachable.contains(id))
            .toList();
    TableMetadata.Builder update = TableMetadata.buildFrom(base);
    expired.forEach(update::removeRef);
    update.removeSnapshots(unreachable);
    ops.commit(base, update.build());
    icdc.refresh();
    int removed =
        (int)
            expired.stream()
                .filter(
                    n ->
                        n.startsWith(IcdcStates.CHANGE_PREFIX)
                            || n.startsWith(IcdcStates.REMOVED_PREFIX))
                .count();
    LOG.debugf(
        "%s: expired %d states, removed %d snapshots", icdc.name(), removed, unreachable.size());
    return removed;
  }

  /** Deletes manifests and manifest lists of the table's own that no snapshot references. */
  public static int cleanMetadata(Table icdc, Instant now, Duration grace) {
    if (!(icdc.io() instanceof SupportsPrefixOperations io)) {
      LOG.warnf("%s: its FileIO cannot list files, its old manifests stay", icdc.name());
      return 0;
    }
    String folder = icdc.location() + "/metadata/";
    Set<String> referenced = new HashSet<>();
    for (Snapshot snapshot : icdc.snapshots()) {
      if (snapshot.manifestListLocation() != null) {
        referenced.add(normalize(snapshot.manifestListLocation()));
      }
      for (ManifestFile manifest : snapshot.allManifests(icdc.io())) {
        referenced.add(normalize(manifest.path()));
      }
    }
    int deleted = 0;
    for (FileInfo file : io.listPrefix(folder)) {
      String path = file.location();
      boolean ours = normalize(path).startsWith(normalize(folder)) && path.endsWith(".avro");
      boolean old = file.createdAtMillis() < now.minus(grace).toEpochMilli();
      if (ours && old && !referenced.contains(normalize(path))) {
        io.deleteFile(path);
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * Local paths are spelt {@code /x}, {@code file:/x} or {@code file:///x} depending on who wrote
   * them; compared in one spelling, a referenced manifest is never mistaken for an orphan.
   */
  private static String normalize(String path) {
    return path.replaceFirst("^file:/+", "/");
  }

  static int states(Table icdc) {
    return (int)
        icdc.refs().keySet().stream()
            .filter(
                n ->
                    n.startsWith(IcdcStates.CHANGE_PREFIX)
                        || n.startsWith(IcdcStates.REMOVED_PREFIX))
            .count();
  }
}
