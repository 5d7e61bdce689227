package dev.floe.trigger.definition;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.broker.DecisionCore;
import dev.floe.problem.OwnerCalls;
import dev.floe.trigger.decide.TriggerState;
import dev.floe.trigger.engine.TriggerRuntime;
import dev.floe.trigger.status.TriggerStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * A trigger's status from any instance: read from this instance's store when it holds the trigger's
 * partition, asked of the instance that does otherwise (Kafka Streams' interactive queries: the
 * group's assignment and each instance's {@code application.server}), and a 503 with {@code
 * Retry-After} while no instance holds it (a rebalance, a restart). A trigger that exists always
 * has a status: one that has seen nothing yet has an empty one.
 */
@ApplicationScoped
public class StatusLookup {
  private final TriggerRuntime runtime;
  private final ObjectMapper json;

  @Inject
  public StatusLookup(TriggerRuntime runtime, ObjectMapper json) {
    this.runtime = runtime;
    this.json = json;
  }

  /**
   * @param authorization the caller's {@code Authorization} header, for a forwarded call
   * @param forwarded the call was forwarded by another instance: answer from this one or not at all
   */
  public TriggerStatus status(String triggerId, String authorization, boolean forwarded) {
    DecisionCore.Owner owner = runtime.owner(triggerId);
    if (owner instanceof DecisionCore.Owner.Here here) {
      try {
        TriggerState state = runtime.heldState(here.partition(), triggerId);
        Instant now = Instant.now();
        return TriggerStatus.of(triggerId, state == null ? TriggerState.empty(now) : state, now);
      } catch (InvalidStateStoreException e) {
        throw OwnerCalls.unavailable("its partition is not readable here now: " + e.getMessage());
      }
    }
    if (owner instanceof DecisionCore.Owner.There there && !forwarded) {
      OwnerCalls.Answer answer =
          OwnerCalls.forward(
              "GET",
              OwnerCalls.address(there.host(), there.port()),
              "/triggers/" + URLEncoder.encode(triggerId, StandardCharsets.UTF_8) + "/status",
              authorization,
              null);
      OwnerCalls.requireCredentialsAccepted(answer);
      if (answer.status() != 200) {
        // A 404 too: the owner may not have read the new trigger's definition yet.
        throw OwnerCalls.unavailable(
            "the instance that holds it answered " + answer.status() + ": " + answer.body());
      }
      try {
        return json.readValue(answer.body(), TriggerStatus.class);
      } catch (JsonProcessingException e) {
        throw OwnerCalls.unavailable("the owner's answer did not parse: " + e.getOriginalMessage());
      }
    }
    throw OwnerCalls.unavailable(
        owner instanceof DecisionCore.Owner.Unknown unknown
            ? unknown.why()
            : "the trigger moved to another instance meanwhile");
  }
}
