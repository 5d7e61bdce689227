package dev.floe.catalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system for {@code file:} warehouses, setting permissions through Java rather
 * than a {@code chmod} process, and writing no checksum files. Without Hadoop's native library,
 * which Floe does not ship, Hadoop's local file system starts a {@code chmod} process for every
 * file it creates, and for the checksum file beside each: four processes for an ICDC state's
 * manifest and manifest list, and a planned backfill of 10,000 chunks writes 20,000 such files.
 *
 * <p>It is still a {@link LocalFileSystem}, which Hadoop's own code casts {@code file:} to (local
 * buffers of object-store uploads), and existing checksum files are still verified on read, and
 * deleted and renamed with their files. Hadoop caches one {@code file:} file system per JVM and
 * user, whatever the configuration: the first caller's choice holds for the process.
 */
public final class LocalFiles extends LocalFileSystem {
  /** Hadoop's key for the class of {@code file:} paths. */
  public static final String KEY = "fs.file.impl";

  /**
   * A Hadoop configuration whose {@code file:} paths use this file system, unless the deployment
   * chose another one.
   */
  public static Configuration configuration() {
    Configuration conf = new Configuration();
    if (conf.get(KEY) == null) {
      conf.setClass(KEY, LocalFiles.class, org.apache.hadoop.fs.FileSystem.class);
      conf.setClassLoader(LocalFiles.class.getClassLoader());
    }
    return conf;
  }

  public LocalFiles() {
    super(new Raw());
    setWriteChecksum(false);
  }

  /** The raw local file system under it, with permissions set through Java. */
  static final class Raw extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      java.nio.file.Path file = pathToFile(p).toPath();
      try {
        Files.setPosixFilePermissions(file, posix(permission));
      } catch (UnsupportedOperationException e) {
        super.setPermission(p, permission); // not a POSIX file system: Hadoop's own way
      }
    }
  }

  private static Set<PosixFilePermission> posix(FsPermission permission) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    add(
        set,
        permission.getUserAction(),
        PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE);
    add(
        set,
        permission.getGroupAction(),
        PosixFilePermission.GROUP_READ,
        PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_EXECUTE);
    add(
        set,
        permission.getOtherAction(),
        PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_EXECUTE);
    return set;
  }

  private static void add(
      Set<PosixFilePermission> set,
      FsAction action,
      PosixFilePermission read,
      PosixFilePermission write,
      PosixFilePermission execute) {
    if (action.implies(FsAction.READ)) {
      set.add(read);
    }
    if (action.implies(FsAction.WRITE)) {
      set.add(write);
    }
    if (action.implies(FsAction.EXECUTE)) {
      set.add(execute);
    }
  }
}
