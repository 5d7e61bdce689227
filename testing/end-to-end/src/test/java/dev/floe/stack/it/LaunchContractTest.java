package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.stack.it.LaunchContract.Delivery;
import dev.floe.stack.it.LaunchContract.Fault;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The check the end-to-end suites make of the calls their job receivers accepted. */
@Tag("unit")
class LaunchContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");

  private static JsonNode run(String runId, int attempt, String icdcRef) throws Exception {
    return JSON.readTree(
        "{\"runId\": \"%s\", \"attempt\": %d, \"inputs\": [{\"icdc\": {\"ref\": \"%s\"}}]}"
            .formatted(runId, attempt, icdcRef));
  }

  private static Delivery call(int second, String runId, int attempt) throws Exception {
    return new Delivery(
        T0.plusSeconds(second),
        key(runId, attempt),
        Integer.toString(attempt),
        run(runId, attempt, "run-a"));
  }

  /** The attempt's key as the launcher sends it: quoted, with the attempt after the first. */
  private static String key(String runId, int attempt) {
    return "\"" + (attempt == 1 ? runId : runId + "-attempt-" + attempt) + "\"";
  }

  @Test
  void eachAttemptCalledOnceKeepsTheContract() throws Exception {
    assertThat(
            LaunchContract.broken(
                Map.of(
                    "r1 attempt 1", List.of(call(0, "r1", 1)),
                    "r1 attempt 2", List.of(call(9, "r1", 2))),
                List.of()))
        .isEmpty();
  }

  @Test
  void aRepeatWithoutAFaultBreaksIt() throws Exception {
    assertThat(
            LaunchContract.broken(
                Map.of("r1 attempt 1", List.of(call(0, "r1", 1), call(20, "r1", 1))), List.of()))
        .singleElement()
        .asString()
        .contains("r1 attempt 1: called again");
  }

  @Test
  void aRepeatAfterAFaultThatOverlappedTheFirstCallKeepsIt() throws Exception {
    // The first call arrived, then the trigger-service was killed before committing: the repeat
    // follows its restart. The calls are handed over out of order, as a slow answer can be.
    Map<String, List<Delivery>> calls =
        Map.of("r1 attempt 1", List.of(call(20, "r1", 1), call(0, "r1", 1)));
    assertThat(
            LaunchContract.broken(calls, List.of(new Fault(T0.plusSeconds(2), T0.plusSeconds(15)))))
        .isEmpty();
  }

  @Test
  void aFaultLongBeforeTheFirstCallOrAfterTheRepeatExplainsNothing() throws Exception {
    Map<String, List<Delivery>> calls =
        Map.of("r1 attempt 1", List.of(call(0, "r1", 1), call(20, "r1", 1)));
    assertThat(
            LaunchContract.broken(
                calls,
                List.of(
                    new Fault(T0.minusSeconds(60), T0.minusSeconds(30)),
                    new Fault(T0.plusSeconds(25), T0.plusSeconds(40)))))
        .hasSize(1);
  }

  @Test
  void aRepeatThatDiffersFromTheFirstCallBreaksIt() throws Exception {
    Delivery other = new Delivery(T0.plusSeconds(20), key("r1", 1), "1", run("r1", 1, "run-b"));
    assertThat(
            LaunchContract.broken(
                Map.of("r1 attempt 1", List.of(call(0, "r1", 1), other)),
                List.of(new Fault(T0.plusSeconds(2), T0.plusSeconds(15)))))
        .singleElement()
        .asString()
        .contains("another request");
  }

  @Test
  void aCallWithoutTheAttemptsQuotedKeyOrWithAnotherAttemptBreaksIt() throws Exception {
    Delivery wrongKey = new Delivery(T0, "\"something-else\"", "1", run("r1", 1, "run-a"));
    Delivery unquoted = new Delivery(T0, "r3", "1", run("r3", 1, "run-a"));
    Delivery runIdForAttempt2 = new Delivery(T0, key("r4", 1), "2", run("r4", 2, "run-a"));
    Delivery wrongAttempt = new Delivery(T0, key("r2", 2), "1", run("r2", 2, "run-a"));
    assertThat(
            LaunchContract.broken(
                Map.of(
                    "r1 attempt 1", List.of(wrongKey),
                    "r3 attempt 1", List.of(unquoted),
                    "r4 attempt 2", List.of(runIdForAttempt2),
                    "r2 attempt 2", List.of(wrongAttempt)),
                List.of()))
        .hasSize(4);
  }
}
