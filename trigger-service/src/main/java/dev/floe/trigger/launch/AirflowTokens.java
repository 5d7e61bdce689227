package dev.floe.trigger.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.model.Launcher;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JWTs of Airflow 3's API, one per Airflow and login: fetched from {@code POST
 * <url>/auth/token} with the launcher's credentials (JSON {@code username} and {@code password};
 * Airflow answers 201 with {@code access_token}), kept until shortly before the {@code exp} the
 * token carries, and fetched again at once when Airflow refuses a call's token: 401 ("Token
 * Expired") or 403 ("Invalid JWT token": Airflow restarted with another signing secret). Concurrent
 * launches against one Airflow share one fetch, which the launch timeout bounds.
 */
final class AirflowTokens {
  private static final ObjectMapper JSON = EventCodec.mapper();

  /** A token is renewed this long before it expires, at most a fifth of its lifetime. */
  static final Duration RENEW_BEFORE = Duration.ofSeconds(60);

  /** Why no token could be had: Airflow's answer, transient or not. */
  static final class LoginFailed extends RuntimeException {
    final RunFailed.ErrorKind kind;

    LoginFailed(RunFailed.ErrorKind kind, String message) {
      super(message, null, false, false);
      this.kind = kind;
    }
  }

  /** A token and when to renew it; null renewal for a token without {@code exp}. */
  private record Token(String value, Instant renewAt) {}

  private final HttpClient http;
  private final Duration timeout;
  private final LaunchSecrets secrets;
  private final Clock clock;
  private final Map<String, CompletableFuture<Token>> tokens = new ConcurrentHashMap<>();

  AirflowTokens(HttpClient http, Duration timeout, LaunchSecrets secrets, Clock clock) {
    this.http = http;
    this.timeout = timeout;
    this.secrets = secrets;
    this.clock = clock;
  }

  /**
   * A token for the launcher's Airflow and user: the one held while it is fresh, else a new one.
   * Completes exceptionally with {@link LoginFailed}.
   */
  CompletableFuture<String> token(Launcher launcher) {
    String key = key(launcher);
    CompletableFuture<Token> held = tokens.get(key);
    if (held != null && (!held.isDone() || fresh(held))) {
      return held.thenApply(Token::value);
    }
    CompletableFuture<Token> fetched = new CompletableFuture<>();
    CompletableFuture<Token> current =
        tokens.compute(key, (k, old) -> old == held || old == null ? fetched : old);
    if (current == fetched) {
      fetch(launcher).whenComplete((token, error) -> complete(key, fetched, token, error));
    }
    return current.thenApply(Token::value);
  }

  /** Forgets {@code token}, which Airflow refused: the next call fetches another. */
  void refused(Launcher launcher, String token) {
    tokens.computeIfPresent(
        key(launcher),
        (k, held) ->
            held.isDone() && !held.isCompletedExceptionally() && held.join().value().equals(token)
                ? null
                : held);
  }

  private void complete(String key, CompletableFuture<Token> f, Token token, Throwable error) {
    if (error != null) {
      tokens.remove(key, f); // the next launch tries again
      f.completeExceptionally(error);
    } else {
      f.complete(token);
    }
  }

  private boolean fresh(CompletableFuture<Token> held) {
    if (held.isCompletedExceptionally()) {
      return false;
    }
    Instant renewAt = held.join().renewAt();
    return renewAt == null || clock.instant().isBefore(renewAt);
  }

  private static String key(Launcher launcher) {
    return launcher.url()
        + "\n"
        + launcher.login().username()
        + "\n"
        + launcher.login().password(); // the secret's name, not its value
  }

  private CompletableFuture<Token> fetch(Launcher launcher) {
    HttpRequest request;
    URI uri = URI.create(LaunchRequests.trim(launcher.url()) + "/auth/token");
    try {
      ObjectNode body = JSON.createObjectNode();
      body.put("username", secrets.resolve(launcher.login().username()));
      body.put("password", secrets.resolve(launcher.login().password()));
      request =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .header("Accept", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
              .build();
    } catch (IllegalArgumentException | IOException e) {
      return CompletableFuture.failedFuture(
          new LoginFailed(RunFailed.ErrorKind.PERMANENT, "login: " + e.getMessage()));
    }
    return Exchanges.send(http, request, timeout)
        .handle(
            (response, error) -> {
              if (error != null) {
                Throwable cause =
                    error instanceof java.util.concurrent.CompletionException
                            && error.getCause() != null
                        ? error.getCause()
                        : error;
                throw new LoginFailed(
                    RunFailed.ErrorKind.TRANSIENT,
                    uri
                        + (cause instanceof java.util.concurrent.TimeoutException
                            ? ": the login's answer timed out after " + timeout
                            : ": " + cause));
              }
              return token(uri, response);
            });
  }

  private Token token(URI uri, HttpResponse<String> response) {
    int status = response.statusCode();
    if (status / 100 != 2) {
      RunFailed.ErrorKind kind =
          status >= 500 || status == 429
              ? RunFailed.ErrorKind.TRANSIENT
              : RunFailed.ErrorKind.PERMANENT;
      throw new LoginFailed(
          kind, uri + " refused the login with " + status + ": " + abbreviate(response.body()));
    }
    String value;
    try {
      value = JSON.readTree(response.body()).path("access_token").asText(null);
    } catch (IOException e) {
      value = null;
    }
    if (value == null || value.isEmpty()) {
      // Not its body: a variant of the endpoint may have put a credential elsewhere in it.
      throw new LoginFailed(
          RunFailed.ErrorKind.PERMANENT, uri + " answered " + status + " without an access_token");
    }
    return new Token(value, renewAt(value));
  }

  /**
   * When to renew a JWT: before its {@code exp} by {@link #RENEW_BEFORE}, or by a fifth of its
   * lifetime ({@code exp - iat}) when that is shorter; null when it has no {@code exp}.
   */
  static Instant renewAt(String jwt) {
    String[] parts = jwt.split("\\.");
    if (parts.length < 2) {
      return null;
    }
    try {
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (!claims.path("exp").canConvertToLong()) {
        return null;
      }
      Instant exp = Instant.ofEpochSecond(claims.get("exp").asLong());
      Duration before = RENEW_BEFORE;
      if (claims.path("iat").canConvertToLong()) {
        Duration lifetime =
            Duration.between(Instant.ofEpochSecond(claims.get("iat").asLong()), exp);
        if (lifetime.dividedBy(5).compareTo(before) < 0) {
          before = lifetime.dividedBy(5);
        }
      }
      return exp.minus(before);
    } catch (IOException | IllegalArgumentException notAJwt) {
      return null; // an opaque token: renewed when Airflow refuses it
    }
  }

  private static String abbreviate(String body) {
    return body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "…" : body;
  }
}
