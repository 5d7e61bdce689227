package dev.floe.stack.catalog;

import dev.floe.stack.host.ChildProcesses;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.RepoPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.aws.AwsClientProperties;
import org.apache.iceberg.aws.s3.S3FileIO;
import org.apache.iceberg.aws.s3.S3FileIOProperties;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3-compatible object store for S3 warehouses: S3Proxy ({@code org.gaul:s3proxy}) in its own
 * process, bound to 127.0.0.1 on a free port, keeping its objects on the local file system under
 * {@code home}, with one bucket and fixed credentials.
 *
 * <p>Objects survive {@link #stop()} and {@link #start()}, which fault tests use to take the store
 * away and bring it back at the same address. Closing the store stops the process and deletes
 * nothing. Thread-safe.
 */
public final class S3Store implements AutoCloseable {
  public static final String ACCESS_KEY = "floe-access-key";
  public static final String SECRET_KEY = "floe-secret-key";

  /** S3Proxy ignores the region, but the AWS SDK needs one to sign requests. */
  public static final String REGION = "us-east-1";

  public static final String DEFAULT_BUCKET = "floe-lake";

  private static final String CLASSPATH_RESOURCE = "floe/s3proxy-server.classpath";
  private static final String MAIN_CLASS = "org.gaul.s3proxy.Main";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path home;
  private final int port;
  private final String bucket;
  private Process process;
  private S3Client client;

  private S3Store(Path home, int port, String bucket) {
    this.home = home.toAbsolutePath();
    this.port = port;
    this.bucket = bucket;
  }

  /** Starts a store with bucket {@value #DEFAULT_BUCKET} whose objects live under {@code home}. */
  public static S3Store start(Path home) {
    return start(home, DEFAULT_BUCKET);
  }

  /**
   * Starts a store whose objects live under {@code home}, and creates {@code bucket} in it.
   *
   * @throws IllegalStateException if the S3Proxy jar is missing, or the store does not answer S3
   *     requests within a minute
   */
  public static S3Store start(Path home, String bucket) {
    S3Store store = new S3Store(home, Ports.freePort(), bucket);
    store.start();
    return store;
  }

  /** The S3 endpoint, for {@code s3.endpoint}; requests address buckets by path. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public String bucket() {
    return bucket;
  }

  public String accessKey() {
    return ACCESS_KEY;
  }

  public String secretKey() {
    return SECRET_KEY;
  }

  public String region() {
    return REGION;
  }

  /** The {@code s3://} location of {@code path} in this store's bucket. */
  public String location(String path) {
    return "s3://" + bucket + "/" + path;
  }

  /**
   * The Iceberg catalog properties that put a catalog's files on this store through Iceberg's own
   * {@link S3FileIO}: {@code io-impl}, {@code s3.endpoint}, {@code s3.path-style-access}, {@code
   * s3.access-key-id}, {@code s3.secret-access-key} and {@code client.region}. A Floe service takes
   * each of them under {@code floe.catalog.}.
   */
  public Map<String, String> fileIoProperties() {
    Map<String, String> props = new LinkedHashMap<>();
    props.put(CatalogProperties.FILE_IO_IMPL, S3FileIO.class.getName());
    props.put(S3FileIOProperties.ENDPOINT, endpoint().toString());
    props.put(S3FileIOProperties.PATH_STYLE_ACCESS, "true");
    props.put(S3FileIOProperties.ACCESS_KEY_ID, ACCESS_KEY);
    props.put(S3FileIOProperties.SECRET_ACCESS_KEY, SECRET_KEY);
    props.put(AwsClientProperties.CLIENT_REGION, REGION);
    return props;
  }

  /**
   * An AWS SDK client of this store, for tests that look at objects directly. Owned by the store:
   * do not close it.
   */
  public synchronized S3Client client() {
    if (client == null) {
      client =
          S3Client.builder()
              .endpointOverride(endpoint())
              .forcePathStyle(true)
              .region(Region.of(REGION))
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
              .httpClientBuilder(
                  Apache5HttpClient.builder().connectionTimeout(Duration.ofSeconds(1)))
              .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(30)))
              .build();
    }
    return client;
  }

  /** The keys of the bucket's objects under {@code prefix}, in key order. */
  public List<String> keys(String prefix) {
    return client().listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
        .map(S3Object::key)
        .toList();
  }

  /** Starts the process again after {@link #stop()}, on the same port and with the same objects. */
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    try {
      Path data = home.resolve("s3-data");
      Files.createDirectories(data);
      Path config = writeConfig(data);
      ProcessBuilder builder =
          new ProcessBuilder(
                  Stream.concat(
                          ChildProcesses.java().stream(),
                          Stream.of(
                              "-Xmx256m",
                              "-cp",
                              ServerClasspath.read(CLASSPATH_RESOURCE, RepoPaths.S3PROXY_SERVER),
                              MAIN_CLASS,
                              "--properties",
                              config.toString()))
                      .toList())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
      builder.environment().put("LOG_LEVEL", "warn");
      process = ChildProcesses.register(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start S3Proxy", e);
    }
    awaitReady();
  }

  private Path writeConfig(Path data) throws IOException {
    Properties config = new Properties();
    config.setProperty("s3proxy.endpoint", endpoint().toString());
    config.setProperty("s3proxy.authorization", "aws-v2-or-v4");
    config.setProperty("s3proxy.identity", ACCESS_KEY);
    config.setProperty("s3proxy.credential", SECRET_KEY);
    config.setProperty("jclouds.provider", "filesystem");
    config.setProperty("jclouds.filesystem.basedir", data.toString());
    Path file = home.resolve("s3proxy.properties");
    try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      config.store(out, "S3Proxy of a Floe test or local stack");
    }
    return file;
  }

  /**
   * Ready means answering a signed S3 request, not merely listening; the bucket is created then,
   * and is kept across restarts. Polls in the calling thread, which holds this store's lock.
   */
  private void awaitReady() {
    S3Client s3 = client();
    Process started = process;
    AtomicReference<RuntimeException> lastFailure = new AtomicReference<>();
    try {
      Awaitility.await("S3Proxy at " + endpoint())
          .atMost(START_TIMEOUT)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(200))
          .failFast("S3Proxy exited", () -> !started.isAlive())
          .until(() -> answers(s3, lastFailure));
      s3.createBucket(r -> r.bucket(bucket));
    } catch (BucketAlreadyOwnedByYouException restarted) {
      // the objects of the previous start are still there
    } catch (TerminalFailureException e) {
      stop();
      throw new IllegalStateException(
          "S3Proxy exited with " + started.exitValue() + "; see " + log(), e);
    } catch (ConditionTimeoutException e) {
      stop();
      IllegalStateException failure =
          new IllegalStateException(
              "S3Proxy did not answer S3 requests within " + START_TIMEOUT + "; see " + log(), e);
      if (lastFailure.get() != null) {
        failure.addSuppressed(lastFailure.get());
      }
      throw failure;
    }
  }

  private static boolean answers(S3Client s3, AtomicReference<RuntimeException> lastFailure) {
    try {
      s3.listBuckets();
      return true;
    } catch (SdkException notYet) {
      lastFailure.set(notYet);
      return false;
    }
  }

  /** Stops the process; its objects stay on disk. */
  public synchronized void stop() {
    ChildProcesses.stop(process);
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Where S3Proxy writes its log. */
  public Path log() {
    return home.resolve("s3proxy.log");
  }

  @Override
  public synchronized void close() {
    try {
      if (client != null) {
        client.close();
        client = null;
      }
    } finally {
      stop();
    }
  }

  @Override
  public String toString() {
    return "S3Proxy at " + endpoint() + ", bucket " + bucket;
  }
}
