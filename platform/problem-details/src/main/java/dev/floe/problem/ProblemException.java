package dev.floe.problem;

import java.util.List;

/**
 * Thrown by a resource to answer with a problem: a 4xx for the caller's mistake, with the fields at
 * fault. Mapped by {@link ProblemMappers}.
 */
public class ProblemException extends RuntimeException {
  private final int status;
  private final String kind;
  private final String title;
  private final List<Problem.FieldError> errors;
  private final Integer retryAfterSeconds;

  public ProblemException(
      int status, String kind, String title, String detail, List<Problem.FieldError> errors) {
    this(status, kind, title, detail, errors, null);
  }

  /** A problem the caller may ask again about after {@code retryAfterSeconds}, or null. */
  protected ProblemException(
      int status,
      String kind,
      String title,
      String detail,
      List<Problem.FieldError> errors,
      Integer retryAfterSeconds) {
    super(detail);
    this.status = status;
    this.kind = kind;
    this.title = title;
    this.errors = List.copyOf(errors);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /**
   * 503: the answer cannot be given now, but can shortly (the instance that holds it is moving or
   * restarting); sent with {@code Retry-After}.
   */
  public static ProblemException unavailable(String detail, int retryAfterSeconds) {
    return unavailable(detail, retryAfterSeconds, "Unavailable");
  }

  /** As {@link #unavailable(String, int)}, with a title of its own. */
  public static ProblemException unavailable(String detail, int retryAfterSeconds, String title) {
    return new ProblemException(503, "unavailable", title, detail, List.of(), retryAfterSeconds);
  }

  /** 400: one field of the request is invalid. */
  public static ProblemException invalidField(String field, String message) {
    return new ProblemException(
        400,
        "invalid-request",
        "The request is invalid",
        field + ": " + message,
        List.of(new Problem.FieldError(field, message)));
  }

  /** 404: the named resource does not exist. */
  public static ProblemException notFound(String what) {
    return new ProblemException(404, "not-found", "Not found", what + " does not exist", List.of());
  }

  /** 409: the request conflicts with the resource's state. */
  public static ProblemException conflict(String detail) {
    return new ProblemException(409, "conflict", "Conflict", detail, List.of());
  }

  public int status() {
    return status;
  }

  public String kind() {
    return kind;
  }

  public String title() {
    return title;
  }

  public List<Problem.FieldError> errors() {
    return errors;
  }

  /** Seconds after which the caller may try again, for {@code Retry-After}; null when none. */
  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
