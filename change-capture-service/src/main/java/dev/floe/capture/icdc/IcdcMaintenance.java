package dev.floe.capture.icdc;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.jboss.logging.Logger;

/**
 * Expires an ICDC table's states once their TTL has passed, and deletes the table's own metadata
 * files that nothing references any more. It never deletes a referenced file: expiry runs with
 * {@code cleanExpiredFiles(false)} (the table has {@code gc.enabled=false} anyway), and the
 * clean-up only considers manifests and manifest lists inside the table's own {@code metadata/}
 * folder.
 */
public final class IcdcMaintenance {
  private static final Logger LOG = Logger.getLogger(IcdcMaintenance.class);

  /** Files this young may belong to a commit in flight; they are left for the next run. */
  public static final Duration GRACE = Duration.ofMinutes(10);

  private IcdcMaintenance() {}

  /** Expires states past their TTL; returns how many states were removed. */
  public static int expire(Table icdc, Instant now) {
    int before = states(icdc);
    icdc.expireSnapshots()
        .expireOlderThan(now.toEpochMilli())
        .retainLast(1)
        .cleanExpiredFiles(false)
        .commit();
    icdc.refresh();
    return before - states(icdc);
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
        referenced.add(snapshot.manifestListLocation());
      }
      for (ManifestFile manifest : snapshot.allManifests(icdc.io())) {
        referenced.add(manifest.path());
      }
    }
    int deleted = 0;
    for (FileInfo file : io.listPrefix(folder)) {
      String path = file.location();
      boolean ours = path.startsWith(folder) && path.endsWith(".avro");
      boolean old = file.createdAtMillis() < now.minus(grace).toEpochMilli();
      if (ours && old && !referenced.contains(path) && !referenced.contains(normalize(path))) {
        io.deleteFile(path);
        deleted++;
      }
    }
    return deleted;
  }

  /** Paths listed by Hadoop may spell the scheme differently from those in metadata. */
  private static String normalize(String path) {
    return path.replaceFirst("^file:///", "file:/");
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
