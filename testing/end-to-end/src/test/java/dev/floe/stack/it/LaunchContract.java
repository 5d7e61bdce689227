package dev.floe.stack.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What a job receiver may see of the trigger-service's launches (trigger-service/README.md): a
 * launch is at-least-once under the attempt's idempotency key.
 *
 * <ul>
 *   <li>Every call carries {@code Idempotency-Key} = the attempt's key as a quoted Structured Field
 *       String (the run id for the first attempt, {@code <run id>-attempt-<n>} after, as the IETF
 *       draft wants it) and {@code Floe-Attempt} = the attempt of its request.
 *   <li>An attempt is called again only after a fault that can lose a launch's outcome (a kill of
 *       the trigger-service, a broker restart) fell between the first call and the repeat; without
 *       faults, each attempt is called once.
 *   <li>A repeat is the identical request, so a receiver that drops it by its key loses nothing.
 * </ul>
 */
final class LaunchContract {
  /**
   * How long before a call arrives the launcher may have taken its run: a fault that ended this
   * long before the first call can still have lost its outcome.
   */
  static final Duration LEAD = Duration.ofSeconds(5);

  private LaunchContract() {}

  /** One call the receiver accepted: when it arrived, its two headers, and its request. */
  record Delivery(Instant at, String key, String attempt, JsonNode run) {}

  /** A fault that can lose a launch's outcome, from its start to its end. */
  record Fault(Instant from, Instant to) {}

  /**
   * The calls that break the contract, each with why.
   *
   * @param deliveries the accepted calls, by run id and attempt
   */
  static List<String> broken(Map<String, List<Delivery>> deliveries, List<Fault> faults) {
    List<String> broken = new ArrayList<>();
    deliveries.forEach(
        (attempt, accepted) -> {
          List<Delivery> calls =
              accepted.stream().sorted(Comparator.comparing(Delivery::at)).toList();
          Delivery first = calls.get(0);
          String runId = first.run().path("runId").asText();
          int number = first.run().path("attempt").asInt(1);
          String key = "\"" + (number == 1 ? runId : runId + "-attempt-" + number) + "\"";
          for (Delivery call : calls) {
            if (!key.equals(call.key())
                || !String.valueOf(call.run().path("attempt").asInt(1)).equals(call.attempt())) {
              broken.add(attempt + ": key " + call.key() + ", Floe-Attempt " + call.attempt());
            }
          }
          for (Delivery repeat : calls.subList(1, calls.size())) {
            if (!repeat.run().equals(first.run())) {
              broken.add(attempt + ": called again with another request");
            }
            boolean explained =
                faults.stream()
                    .anyMatch(
                        f ->
                            !f.to().isBefore(first.at().minus(LEAD))
                                && !f.from().isAfter(repeat.at()));
            if (!explained) {
              broken.add(
                  attempt
                      + ": called again at "
                      + repeat.at()
                      + " without a fault since "
                      + first.at());
            }
          }
        });
    return broken;
  }
}
