package dev.floe.trigger.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Asks every running instance for the status of a trigger, over and over while a test goes on, and
 * keeps what each answer was: a status (200 with a non-null {@code status}), or a 503 with {@code
 * Retry-After} while ownership moves. Anything else (a null status, a 404 for a trigger that
 * exists, a 500, a 503 without {@code Retry-After}) is wrong. A call to an instance that is being
 * killed may fail to connect: that is not an answer.
 */
final class StatusProbe implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final List<URI> instances;
  private final List<String> triggers;
  private final String token;
  private final Random random = new Random(7);
  private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor();
  private final Map<URI, AtomicInteger> statuses = new ConcurrentHashMap<>();
  private final AtomicInteger unavailable = new AtomicInteger();
  private final List<String> wrong = new CopyOnWriteArrayList<>();

  /**
   * @param instances the instances running now, as the test keeps them: read at each round
   */
  StatusProbe(List<URI> instances, List<String> triggers, String token) {
    this.instances = instances;
    this.triggers = List.copyOf(triggers);
    this.token = token;
  }

  void start(Duration every) {
    schedule.scheduleWithFixedDelay(this::round, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void round() {
    String trigger = triggers.get(random.nextInt(triggers.size()));
    for (URI instance : List.copyOf(instances)) {
      HttpResponse<String> answer;
      try {
        answer = get(instance, trigger);
      } catch (java.net.http.HttpTimeoutException e) {
        wrong.add(instance + " for " + trigger + ": no answer within 10 s");
        continue;
      } catch (IOException e) {
        continue; // killed meanwhile: the connection is refused or reset
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      String what = instance + " for " + trigger + ": " + answer.statusCode();
      if (answer.statusCode() == 503) {
        if (answer.headers().firstValue("Retry-After").isPresent()) {
          unavailable.incrementAndGet();
        } else {
          wrong.add(what + " without Retry-After");
        }
      } else if (answer.statusCode() != 200) {
        wrong.add(what + " " + answer.body());
      } else if (status(answer).isNull() || status(answer).isMissingNode()) {
        wrong.add(what + " with a null status");
      } else {
        statuses.computeIfAbsent(instance, k -> new AtomicInteger()).incrementAndGet();
      }
    }
  }

  /** One {@code GET /triggers/{id}}. */
  HttpResponse<String> get(URI instance, String trigger) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(instance.resolve("/triggers/" + trigger))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The {@code status} of an answer to {@link #get}. */
  static JsonNode status(HttpResponse<String> answer) {
    try {
      return JSON.readTree(answer.body()).path("status");
    } catch (IOException e) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
  }

  /** Answers that were neither a status nor a 503 with {@code Retry-After}. */
  List<String> wrong() {
    return List.copyOf(wrong);
  }

  /** How many statuses each instance answered. */
  Map<URI, Integer> statuses() {
    Map<URI, Integer> out = new java.util.TreeMap<>();
    statuses.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** How many 503s with {@code Retry-After} were answered. */
  int unavailable() {
    return unavailable.get();
  }

  @Override
  public void close() {
    schedule.shutdownNow();
  }
}
