package dev.floe.trigger.definition;

import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.OnLost;
import dev.floe.contracts.model.RangeFilter;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import dev.floe.problem.ProblemException;
import dev.floe.trigger.engine.TriggerRuntime;
import dev.floe.trigger.launch.LaunchRequests;
import dev.floe.trigger.launch.LaunchSecrets;
import dev.floe.trigger.launch.ParamsTemplate;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.internals.Topic;

/**
 * Maps a {@code POST /triggers} request to the definition it makes: checks what bean validation
 * cannot (one of capture or table per input, durations, range filters, the launcher, the params
 * template), naming the field at fault, and fills in the service's defaults.
 */
final class TriggerRequests {
  private final TriggerRuntime runtime;

  TriggerRequests(TriggerRuntime runtime) {
    this.runtime = runtime;
  }

  /**
   * The definition a valid request makes, with the defaults filled in.
   *
   * @param caller who defines it: the authenticated principal
   */
  TriggerDefined definition(TriggerRequest body, String caller) {
    String catalog = runtime.config().catalog().name();
    List<TriggerInput> inputs = new ArrayList<>();
    for (int i = 0; i < body.inputs().size(); i++) {
      TriggerRequest.Input input = body.inputs().get(i);
      if ((input.capture() == null) == (input.table() == null)) {
        throw ProblemException.invalidField(
            "inputs[" + i + "]", "names a capture or a table, exactly one of the two");
      }
      inputs.add(
          input.capture() != null
              ? TriggerInput.capture(input.capture())
              : TriggerInput.table(TableRef.parse(catalog, input.table())));
    }
    if (inputs.stream().distinct().count() < inputs.size()) {
      throw ProblemException.invalidField("inputs", "names the same input twice");
    }
    TriggerCondition condition = parse("condition", body.condition(), TriggerCondition.ANY);
    positive("maxDelay", body.maxDelay());
    notNegative("quietPeriod", body.quietPeriod());
    positive("runTimeout", body.runTimeout());
    List<RangeFilter> filters = new ArrayList<>();
    if (body.rangeFilters() != null) {
      for (int i = 0; i < body.rangeFilters().size(); i++) {
        TriggerRequest.Range r = body.rangeFilters().get(i);
        if (r.from() == null && r.to() == null) {
          throw ProblemException.invalidField("rangeFilters[" + i + "]", "needs from, to or both");
        }
        filters.add(new RangeFilter(r.field(), r.from(), r.to()));
      }
    }
    List<ChangeKind> kinds =
        body.changeKinds() == null || body.changeKinds().isEmpty()
            ? Arrays.stream(ChangeKind.values()).filter(k -> k != ChangeKind.REPLACE).toList()
            : body.changeKinds().stream().distinct().toList();
    return new TriggerDefined(
        body.id(),
        inputs,
        condition,
        body.minRecords() == null ? 0 : body.minRecords(),
        body.minChangeSets() == null ? 1 : body.minChangeSets(),
        body.maxDelay(),
        body.quietPeriod() == null ? Duration.ZERO : body.quietPeriod(),
        filters,
        kinds,
        Boolean.TRUE.equals(body.propagateBackfills()),
        concurrency(body.concurrency()),
        retry(body.retry()),
        body.runTimeout() == null ? runtime.config().trigger().runTimeout() : body.runTimeout(),
        launcher(body.launcher(), runtime.launchSecrets()),
        Boolean.TRUE.equals(body.paused()),
        onLost(body.onLost()),
        caller,
        Instant.now());
  }

  private static Concurrency concurrency(TriggerRequest.ConcurrencyRequest c) {
    if (c == null) {
      return Concurrency.sequential();
    }
    Concurrency.Policy policy =
        c.policy() == null
            ? Concurrency.Policy.SEQUENTIAL
            : parseWith("concurrency.policy", c.policy(), Concurrency.Policy::fromWireName);
    if (policy != Concurrency.Policy.PARALLEL && c.maxParallel() != null && c.maxParallel() != 1) {
      throw ProblemException.invalidField(
          "concurrency.maxParallel", "is only for the parallel policy");
    }
    int max =
        policy == Concurrency.Policy.PARALLEL && c.maxParallel() != null ? c.maxParallel() : 1;
    if (policy == Concurrency.Policy.PARALLEL && c.maxParallel() == null) {
      throw ProblemException.invalidField(
          "concurrency.maxParallel", "is required by the parallel policy");
    }
    return new Concurrency(policy, max);
  }

  private RetryPolicy retry(TriggerRequest.RetryRequest r) {
    int attempts =
        r == null || r.maxAttempts() == null
            ? runtime.config().trigger().maxAttempts()
            : r.maxAttempts();
    Duration backoff =
        r == null || r.backoff() == null ? runtime.config().trigger().retryBackoff() : r.backoff();
    notNegative("retry.backoff", backoff);
    return new RetryPolicy(attempts, backoff);
  }

  private static Launcher launcher(TriggerRequest.LauncherRequest l, LaunchSecrets secrets) {
    Launcher.Type type = parseWith("launcher.type", l.type(), Launcher.Type::fromWireName);
    if (l.headers() != null) {
      for (Map.Entry<String, String> h : l.headers().entrySet()) {
        if (h.getKey() == null || h.getValue() == null) {
          throw ProblemException.invalidField("launcher.headers", "must not hold null");
        }
        secrets
            .problem(h.getKey(), h.getValue())
            .ifPresent(
                why -> {
                  throw ProblemException.invalidField("launcher.headers." + h.getKey(), why);
                });
      }
    }
    switch (type) {
      case WEBHOOK -> url(l.url());
      case MAESTRO -> {
        url(l.url());
        required("launcher.workflowId", l.workflowId());
      }
      case AIRFLOW -> {
        url(l.url());
        required("launcher.dagId", l.dagId());
      }
      case KAFKA -> {
        required("launcher.topic", l.topic());
        try {
          Topic.validate(l.topic());
        } catch (RuntimeException e) {
          throw ProblemException.invalidField("launcher.topic", e.getMessage());
        }
      }
    }
    if (l.params() != null) {
      String rendered;
      try {
        rendered = ParamsTemplate.parse(l.params()).render(SAMPLE_RUN);
      } catch (IllegalArgumentException e) {
        throw ProblemException.invalidField("launcher.params", e.getMessage());
      }
      String shape = LaunchRequests.shapeProblem(type, rendered);
      if (shape != null) {
        throw ProblemException.invalidField("launcher.params", shape);
      }
    }
    if (l.user() != null && (type != Launcher.Type.MAESTRO || l.user().isBlank())) {
      throw ProblemException.invalidField(
          "launcher.user", "names Maestro's caller: a maestro launcher's, not blank");
    }
    return new Launcher(
        type,
        l.url(),
        l.workflowId(),
        l.dagId(),
        l.topic(),
        l.params(),
        l.headers(),
        l.user(),
        login(type, l.login(), secrets));
  }

  /** Airflow's login: a user name, and a password that names a configured secret. */
  private static Launcher.Login login(
      Launcher.Type type, TriggerRequest.LoginRequest login, LaunchSecrets secrets) {
    if (login == null) {
      return null;
    }
    if (type != Launcher.Type.AIRFLOW) {
      throw ProblemException.invalidField(
          "launcher.login", "is taken by an airflow launcher only (Airflow 3's /auth/token)");
    }
    required("launcher.login.username", login.username());
    required("launcher.login.password", login.password());
    secrets
        .problem("username", login.username())
        .ifPresent(
            why -> {
              throw ProblemException.invalidField("launcher.login.username", why);
            });
    if (!login.password().matches("\\$\\{secret:[A-Za-z0-9_.-]+}")) {
      throw ProblemException.invalidField(
          "launcher.login.password",
          "must name a secret, ${secret:<name>}, set as floe.trigger.launch.secrets.<name>,"
              + " so that the password is in no event");
    }
    secrets
        .problem("password", login.password())
        .ifPresent(
            why -> {
              throw ProblemException.invalidField("launcher.login.password", why);
            });
    return new Launcher.Login(login.username(), login.password());
  }

  /** A run with every field set, to check templates against. */
  private static final RunRequested SAMPLE_RUN =
      new RunRequested(
          "sample-trigger-1",
          "sample-trigger",
          List.of(
              new RunInput(
                  "sample-capture",
                  new TableRef("lake", List.of("demo"), "orders"),
                  new IcdcRef(
                      new TableRef("lake", List.of("floe_icdc"), "demo__orders__sample"),
                      "run-sample-trigger-1",
                      1L,
                      "s3://warehouse/floe_icdc/demo__orders__sample/metadata/00001.metadata.json"),
                  List.of(new SnapshotRange(1L, 2L, List.of(2L))),
                  List.of("ChangeCaptured:sample"),
                  10,
                  List.of(),
                  false)),
          10,
          false,
          "changes",
          null,
          1);

  private static void url(String url) {
    required("launcher.url", url);
    try {
      URI uri = new URI(url);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw ProblemException.invalidField("launcher.url", "must be an http or https URL");
      }
    } catch (java.net.URISyntaxException e) {
      throw ProblemException.invalidField("launcher.url", "is not a URL: " + e.getMessage());
    }
  }

  private static void required(String field, String value) {
    if (value == null || value.isBlank()) {
      throw ProblemException.invalidField(field, "is required by this launcher type");
    }
  }

  /** The request's {@code onLost}; null (hold, the default) when absent. */
  private static OnLost onLost(String value) {
    return value == null ? null : parseWith("onLost", value, OnLost::fromWireName);
  }

  private static TriggerCondition parse(String field, String value, TriggerCondition fallback) {
    return value == null ? fallback : parseWith(field, value, TriggerCondition::fromWireName);
  }

  private static <T> T parseWith(
      String field, String value, java.util.function.Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalidField(field, e.getMessage());
    }
  }

  private static void positive(String field, Duration value) {
    if (value != null && (value.isNegative() || value.isZero())) {
      throw ProblemException.invalidField(field, "must be a positive duration such as PT1H");
    }
  }

  private static void notNegative(String field, Duration value) {
    if (value != null && value.isNegative()) {
      throw ProblemException.invalidField(field, "must not be negative");
    }
  }
}
