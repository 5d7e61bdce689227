package dev.floe.backfill.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.backfill.engine.BackfillRuntime;
import dev.floe.broker.DecisionCore;
import dev.floe.problem.OwnerCalls;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Backfills answered from any instance. A backfill's state lives in the store of the instance whose
 * decision core holds its key (Kafka Streams' interactive queries: the group's assignment and each
 * instance's {@code application.server}): a call about it on another instance is sent on to that
 * one and its answer given back as it is; a listing gathers every instance's. While no instance
 * holds a key (a rebalance, a restart), or one does not answer, the answer is a 503 with {@code
 * Retry-After}: never a wrong or partial one.
 */
final class BackfillOwners {
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
      OwnerCalls.Answer answer =
          OwnerCalls.forward(
              method,
              there.host() + ":" + there.port(),
              uri.getRequestUri().getRawPath()
                  + (uri.getRequestUri().getRawQuery() == null
                      ? ""
                      : "?" + uri.getRequestUri().getRawQuery()),
              headers.getHeaderString(HttpHeaders.AUTHORIZATION),
              body);
      Response.ResponseBuilder response =
          Response.status(answer.status()).type(answer.contentType()).entity(answer.body());
      if (answer.retryAfter() != null) {
        response.header(HttpHeaders.RETRY_AFTER, answer.retryAfter());
      }
      return Optional.of(response.build());
    }
    throw OwnerCalls.unavailable(
        owner instanceof DecisionCore.Owner.Unknown unknown
            ? unknown.why()
            : "the backfill moved to another instance meanwhile");
  }

  /**
   * Every instance's backfills: this one's, and those each other instance holds, asked of it.
   *
   * @param local this instance's own, as the listing shows them
   */
  List<BackfillView> all(List<BackfillView> local, HttpHeaders headers) {
    if (forwarded(headers)) {
      return local;
    }
    List<String> instances = runtime.instances();
    if (!instances.contains(runtime.address())) {
      throw OwnerCalls.unavailable("this instance is not in its group's assignment yet");
    }
    List<BackfillView> all = new ArrayList<>();
    for (String instance : instances) {
      if (instance.equals(runtime.address())) {
        all.addAll(local);
        continue;
      }
      String body =
          OwnerCalls.get(
              instance, "/backfills", headers.getHeaderString(HttpHeaders.AUTHORIZATION));
      try {
        all.addAll(json.readValue(body, VIEWS));
      } catch (IOException e) {
        throw OwnerCalls.unavailable(instance + " answered a listing that did not parse: " + e);
      }
    }
    return all;
  }

  private static boolean forwarded(HttpHeaders headers) {
    return headers.getHeaderString(OwnerCalls.FORWARDED) != null;
  }
}
