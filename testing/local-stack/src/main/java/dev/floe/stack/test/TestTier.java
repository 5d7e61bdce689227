package dev.floe.stack.test;

import dev.floe.stack.catalog.CatalogKind;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The test tier this JVM runs in, and what that tier asks of a test.
 *
 * <ul>
 *   <li><b>unit</b>: tests tagged {@value #UNIT_TAG}, pure logic without a broker, a server process
 *       or a service JVM ({@code testing/bin/floe-test-unit});
 *   <li><b>gate</b>: everything {@code .ci/run} runs, the default;
 *   <li><b>soak</b>: the gate's tests in their long variants ({@code testing/bin/floe-soak}, which
 *       sets {@value #SOAK_PROPERTY}).
 * </ul>
 *
 * <p>Recovery tests (crashes, sharing, faults) exercise Kafka's side of Floe, which is the same on
 * every catalog: the gate runs each on one catalog, chosen per test so that the three catalogs are
 * all covered, and the soak on all three. Tests of catalog code (commit stream, capture flow, ICDC
 * safety, the catalog handle) run the whole matrix in every tier.
 */
public final class TestTier {
  /** The JUnit tag of the unit tier. */
  public static final String UNIT_TAG = "unit";

  /** {@code -Dfloe.soak=true} selects the soak's long variants. */
  public static final String SOAK_PROPERTY = "floe.soak";

  /**
   * {@code -Dfloe.catalogs=SQLITE,REST} runs the recovery tests on exactly these catalogs, in any
   * tier.
   */
  public static final String CATALOGS_PROPERTY = "floe.catalogs";

  private TestTier() {}

  /** True in the soak. */
  public static boolean soak() {
    return Boolean.getBoolean(SOAK_PROPERTY);
  }

  /** {@code gate} in the gate, {@code soak} in the soak. */
  public static <T> T pick(T gate, T soak) {
    return soak() ? soak : gate;
  }

  /**
   * The catalogs a recovery test runs on: those named by {@value #CATALOGS_PROPERTY}; else all
   * three in the soak and {@code gateCatalog} in the gate.
   */
  public static Stream<CatalogKind> recoveryCatalogs(CatalogKind gateCatalog) {
    String named = System.getProperty(CATALOGS_PROPERTY, "").trim();
    if (!named.isEmpty()) {
      return parse(named).stream();
    }
    return soak() ? Arrays.stream(CatalogKind.values()) : Stream.of(gateCatalog);
  }

  private static List<CatalogKind> parse(String named) {
    return Arrays.stream(named.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .map(
            s -> {
              try {
                return CatalogKind.valueOf(s.toUpperCase(Locale.ROOT));
              } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                    "-D"
                        + CATALOGS_PROPERTY
                        + "="
                        + named
                        + ": '"
                        + s
                        + "' is not one of "
                        + Arrays.toString(CatalogKind.values()),
                    e);
              }
            })
        .toList();
  }
}
