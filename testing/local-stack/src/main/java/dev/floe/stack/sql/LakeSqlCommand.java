package dev.floe.stack.sql;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code floe-local sql [--home DIR] [--max-rows N] "<statement>"}: runs one statement with {@link
 * LakeSql} on the local stack's catalog ({@code lake}, the JdbcCatalog on SQLite under {@code
 * <home>/catalog}) and prints its result. The stack need not run, and may: the catalog is opened as
 * its services open it, and only read.
 *
 * <p>Exit status: 0 when the statement ran, 2 for a usage error or a statement that cannot run (an
 * unknown table or version, a SQL error), with a one-line message and no stack trace; 1 for
 * anything unexpected.
 */
public final class LakeSqlCommand {
  static final String USAGE =
      "usage: floe-local sql [--home DIR] [--max-rows N] \"<statement>\"\n"
          + "  e.g. floe-local sql \"SELECT count(*) FROM lake.demo.orders\"\n"
          + "       floe-local sql \"SELECT * FROM lake.floe_icdc.demo__orders__orders"
          + " VERSION AS OF 'change-<snapshot id>'\"";

  /**
   * Where the stack keeps its state when {@code --home} is not given, as {@code
   * deploy/bin/floe-local}.
   */
  static final Path DEFAULT_HOME = Path.of(".floe-local");

  static final int DEFAULT_MAX_ROWS = 50;

  // A strong reference: java.util.logging forgets the level of a logger nobody holds.
  private static final Logger ROOT_LOGGER = Logger.getLogger("");

  // Hadoop warns on every start that it has no native library; it needs none to read local files.
  private static final Logger HADOOP_NATIVE =
      Logger.getLogger("org.apache.hadoop.util.NativeCodeLoader");

  private LakeSqlCommand() {}

  /** The parsed command line. */
  record Arguments(Path home, int maxRows, String statement) {}

  public static void main(String[] args) {
    // Standard output is the result alone; the clients' INFO lines (Iceberg's format registry,
    // Hadoop) would bury it. Warnings and errors still reach standard error.
    ROOT_LOGGER.setLevel(Level.WARNING);
    for (Handler handler : ROOT_LOGGER.getHandlers()) {
      ROOT_LOGGER.removeHandler(handler);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setLevel(Level.WARNING);
    ROOT_LOGGER.addHandler(console);
    HADOOP_NATIVE.setLevel(Level.SEVERE);
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns its exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Arguments arguments;
    try {
      arguments = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("floe-local sql: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    Path catalogHome = arguments.home().toAbsolutePath().resolve("catalog");
    if (!Files.isRegularFile(catalogHome.resolve("catalog.db"))) {
      err.println(
          "floe-local sql: no local stack catalog at "
              + catalogHome.resolve("catalog.db")
              + "; start the stack once with deploy/bin/floe-local, or pass --home DIR");
      return 2;
    }
    try (CatalogFixture catalog = CatalogFixture.start(CatalogKind.SQLITE, catalogHome);
        LakeSql sql = new LakeSql(catalog.catalog())) {
      sql.print(arguments.statement(), arguments.maxRows(), out);
      return 0;
    } catch (LakeSqlException e) {
      err.println("floe-local sql: " + e.getMessage());
      return 2;
    } catch (RuntimeException e) {
      err.println("floe-local sql: unexpected failure: " + e);
      return 1;
    }
  }

  /**
   * The arguments: options, then the statement; several words after the options are joined with
   * spaces, so an unquoted statement works while the shell leaves it alone.
   *
   * @throws IllegalArgumentException for an unknown option, a bad number or no statement
   */
  static Arguments parse(String[] args) {
    Path home = DEFAULT_HOME;
    int maxRows = DEFAULT_MAX_ROWS;
    List<String> words = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (words.isEmpty() && (arg.equals("--home") || arg.equals("--max-rows"))) {
        if (i + 1 == args.length) {
          throw new IllegalArgumentException(arg + " needs a value");
        }
        String value = args[++i];
        if (arg.equals("--home")) {
          home = Path.of(value);
        } else {
          maxRows = positive(value);
        }
      } else if (words.isEmpty() && arg.startsWith("--")) {
        throw new IllegalArgumentException("unknown option " + arg);
      } else {
        words.add(arg);
      }
    }
    String statement = String.join(" ", words).strip();
    while (statement.endsWith(";")) {
      statement = statement.substring(0, statement.length() - 1).strip();
    }
    if (statement.isEmpty()) {
      throw new IllegalArgumentException("no statement given");
    }
    return new Arguments(home, maxRows, statement);
  }

  private static int positive(String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--max-rows takes a whole number of rows, not " + value);
  }
}
