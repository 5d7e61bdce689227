package dev.floe.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class LocalFilesTest {
  @TempDir java.nio.file.Path dir;

  @Test
  void fileSystemsOfTheCatalogsConfigurationSetPermissionsWithoutAChecksumFile() throws Exception {
    Path file = new Path(dir.resolve("a/b/manifest.avro").toUri());
    FileSystem fs = FileSystem.newInstance(file.toUri(), LocalFiles.configuration());
    assertThat(fs).isInstanceOf(LocalFiles.class);
    // Hadoop's own code casts file: to its local file system: for object stores' upload buffers.
    assertThat(FileSystem.getLocal(LocalFiles.configuration())).isNotNull();
    try (FSDataOutputStream out = fs.create(file, false)) {
      out.write(new byte[] {1, 2, 3});
    }
    fs.setPermission(file, new FsPermission((short) 0640));
    java.nio.file.Path written = dir.resolve("a/b/manifest.avro");
    assertThat(Files.readAllBytes(written)).containsExactly(1, 2, 3);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written)))
        .isEqualTo("rw-r-----");
    assertThat(dir.resolve("a/b/.manifest.avro.crc")).doesNotExist();
    fs.close();
  }
}
