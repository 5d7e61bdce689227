package dev.floe.backfill.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.backfill.engine.BackfillRuntime;
import dev.floe.backfill.run.BackfillState;
import dev.floe.broker.DecisionCore;
import dev.floe.problem.OwnerCalls;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Backfills answered from any instance. A backfill's state lives in the store of the instance whose
 * decision core holds its key's partition (Kafka Streams' interactive queries: the group's
 * assignment and each instance's {@code application.server}): a call about it on another instance
 * is sent on to that one and its answer given back as it is; a listing gathers every instance's
 * partitions and answers only when they cover each partition once. While no instance holds a key (a
 * rebalance, a restart), or one does not answer, the answer is a 503 with {@code Retry-After}.
 */
final class BackfillOwners {
  /** On a forwarded listing: the partitions whose backfills it holds, comma-separated. */
  static final String PARTITIONS = "Floe-Partitions";

  private static final TypeReference<List<BackfillView>> VIEWS = new TypeReference<>() {};

  private final BackfillRuntime runtime;
  private final ObjectMapper json;

  BackfillOwners(BackfillRuntime runtime, ObjectMapper json) {
    this.runtime = runtime;
    this.json = json;
  }

  /**
   * Empty when this instance holds the backfill and answers the call itself; otherwise the answer
   * of the instance that does.
   *
   * @param body the call's JSON body, or null
   */
  Optional<Response> elsewhere(
      String backfillId, String method, UriInfo uri, HttpHeaders headers, String body) {
    DecisionCore.Owner owner = runtime.owner(backfillId);
    if (owner instanceof DecisionCore.Owner.Here) {
      return Optional.empty();
    }
    if (owner instanceof DecisionCore.Owner.There there && !forwarded(headers)) {
      String path = uri.getRequestUri().getRawPath();
      String query = uri.getRequestUri().getRawQuery();
      OwnerCalls.Answer answer =
          OwnerCalls.forward(
              method,
              OwnerCalls.address(there.host(), there.port()),
              query == null ? path : path + "?" + query,
              headers.getHeaderString(HttpHeaders.AUTHORIZATION),
              body);
      Response.ResponseBuilder response = Response.status(answer.status()).entity(answer.body());
      for (String name :
          List.of(
              HttpHeaders.CONTENT_TYPE, HttpHeaders.RETRY_AFTER, HttpHeaders.WWW_AUTHENTICATE)) {
        if (answer.header(name) != null) {
          response.header(name, answer.header(name));
        }
      }
      if (answer.status() == 201) {
        // The owner's Location names its own address: this one serves the same path.
        response.location(uri.getBaseUriBuilder().path("backfills").path(backfillId).build());
      }
      return Optional.of(response.build());
    }
    throw OwnerCalls.unavailable(
        owner instanceof DecisionCore.Owner.Unknown unknown
            ? unknown.why()
            : "the backfill moved to another instance meanwhile");
  }

  /**
   * The listing, newest first: on a forwarded call this instance's own, with the partitions it
   * covers in {@link #PARTITIONS}; otherwise every instance's, once they cover every partition.
   */
  Response list(HttpHeaders headers) {
    Instant now = Instant.now();
    DecisionCore.Held<BackfillState> here = runtime.heldHere();
    List<BackfillView> own =
        here.values().stream().map(s -> BackfillView.of(s, null, now)).toList();
    if (forwarded(headers)) {
      return Response.ok(own)
          .header(
              PARTITIONS,
              here.partitions().stream().map(String::valueOf).collect(Collectors.joining(",")))
          .build();
    }
    Map<String, BackfillView> all = new LinkedHashMap<>();
    own.forEach(v -> all.put(v.id(), v));
    Set<Integer> covered = new TreeSet<>(here.partitions());
    HostInfo self = DecisionCore.hostInfo(runtime.address());
    for (HostInfo instance : runtime.assigned().keySet()) {
      if (instance.equals(self)) {
        continue;
      }
      OwnerCalls.Answer answer =
          OwnerCalls.forward(
              "GET",
              OwnerCalls.address(instance.host(), instance.port()),
              "/backfills",
              headers.getHeaderString(HttpHeaders.AUTHORIZATION),
              null);
      OwnerCalls.requireCredentialsAccepted(answer);
      if (answer.status() != 200 || answer.header(PARTITIONS) == null) {
        throw OwnerCalls.unavailable(instance + " answered the listing " + answer.status());
      }
      for (String p : answer.header(PARTITIONS).split(",")) {
        if (!p.isBlank() && !covered.add(Integer.parseInt(p.strip()))) {
          throw OwnerCalls.unavailable("partition " + p + " is held twice: a rebalance is on");
        }
      }
      try {
        json.readValue(answer.body(), VIEWS).forEach(v -> all.put(v.id(), v));
      } catch (IOException e) {
        throw OwnerCalls.unavailable(instance + " answered a listing that did not parse: " + e);
      }
    }
    Set<Integer> every = new TreeSet<>();
    for (int p = 0; p < runtime.partitions(); p++) {
      every.add(p);
    }
    if (!covered.equals(every)) {
      every.removeAll(covered);
      throw OwnerCalls.unavailable("no instance answers for partitions " + every + " now");
    }
    return Response.ok(
            all.values().stream()
                .sorted(java.util.Comparator.comparing(BackfillView::createdAt).reversed())
                .toList())
        .build();
  }

  private static boolean forwarded(HttpHeaders headers) {
    return headers.getHeaderString(OwnerCalls.FORWARDED) != null;
  }
}
