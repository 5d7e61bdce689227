package dev.floe.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.floe.broker.KafkaUnavailableException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Maps every failure of a REST request to an RFC 9457 problem: invalid bodies and parameters name
 * the offending field; unexpected errors answer 500 without leaking internals.
 */
public class ProblemMappers {
  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

  @ServerExceptionMapper
  public Response problem(ProblemException e, UriInfo uri) {
    Problem problem =
        new Problem(
            Problem.TYPE_BASE + e.kind(),
            e.title(),
            e.status(),
            e.getMessage(),
            path(uri),
            e.errors());
    if (e.retryAfterSeconds() == null) {
      return respond(problem);
    }
    return Response.status(problem.status())
        .type(Problem.MEDIA_TYPE)
        .header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds())
        .entity(problem)
        .build();
  }

  /** Kafka is not ready or did not take a write: 503, the caller may try again. */
  @ServerExceptionMapper
  public Response kafkaUnavailable(KafkaUnavailableException e, UriInfo uri) {
    return problem(
        ProblemException.unavailable(e.getMessage(), OwnerCalls.RETRY_AFTER_SECONDS, e.title()),
        uri);
  }

  @ServerExceptionMapper
  public Response constraintViolation(ConstraintViolationException e, UriInfo uri) {
    List<Problem.FieldError> errors =
        e.getConstraintViolations().stream()
            .map(v -> new Problem.FieldError(field(v), v.getMessage()))
            .sorted((a, b) -> a.field().compareTo(b.field()))
            .toList();
    return respond(invalid(uri, errors));
  }

  @ServerExceptionMapper
  public Response unknownProperty(UnrecognizedPropertyException e, UriInfo uri) {
    return respond(invalid(uri, List.of(new Problem.FieldError(field(e), "is not a known field"))));
  }

  @ServerExceptionMapper
  public Response invalidFormat(InvalidFormatException e, UriInfo uri) {
    String message = "cannot be " + quote(e.getValue());
    if (e.getTargetType() != null && e.getTargetType().isEnum()) {
      message +=
          "; expected one of "
              + Arrays.stream(e.getTargetType().getEnumConstants())
                  .map(c -> c.toString())
                  .collect(Collectors.joining(", "));
    }
    return respond(invalid(uri, List.of(new Problem.FieldError(field(e), message))));
  }

  @ServerExceptionMapper
  public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
    String message =
        e.getTargetType() == null ? "has the wrong type" : "must be " + describe(e.getTargetType());
    return respond(invalid(uri, List.of(new Problem.FieldError(field(e), message))));
  }

  @ServerExceptionMapper
  public Response malformedJson(JsonProcessingException e, UriInfo uri) {
    return respond(
        invalid(
            uri,
            List.of(
                new Problem.FieldError("body", "is not valid JSON: " + e.getOriginalMessage()))));
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e, UriInfo uri) {
    // The REST layer wraps body parsing errors: answer them as the parsing error they are.
    if (e.getCause() instanceof UnrecognizedPropertyException cause) {
      return unknownProperty(cause, uri);
    }
    if (e.getCause() instanceof InvalidFormatException cause) {
      return invalidFormat(cause, uri);
    }
    if (e.getCause() instanceof MismatchedInputException cause) {
      return mismatchedInput(cause, uri);
    }
    if (e.getCause() instanceof JsonProcessingException cause) {
      return malformedJson(cause, uri);
    }
    int status = e.getResponse().getStatus();
    Response.Status known = Response.Status.fromStatusCode(status);
    String title = known == null ? "HTTP " + status : known.getReasonPhrase();
    return respond(new Problem("about:blank", title, status, e.getMessage(), path(uri), List.of()));
  }

  @ServerExceptionMapper
  public Response unauthenticated(UnauthorizedException e, UriInfo uri) {
    return unauthenticated(uri, "a bearer token is required");
  }

  @ServerExceptionMapper
  public Response authenticationFailed(AuthenticationFailedException e, UriInfo uri) {
    // Why a token was refused (signature, expiry, issuer) is for the service's log, not the caller.
    return unauthenticated(uri, "the bearer token is not valid");
  }

  @ServerExceptionMapper
  public Response forbidden(ForbiddenException e, UriInfo uri) {
    return respond(
        new Problem(
            Problem.TYPE_BASE + "forbidden",
            "Forbidden",
            403,
            "the caller's roles do not allow this request",
            path(uri),
            List.of()));
  }

  private static Response unauthenticated(UriInfo uri, String detail) {
    Problem problem =
        new Problem(
            Problem.TYPE_BASE + "unauthenticated",
            "Unauthenticated",
            401,
            detail,
            path(uri),
            List.of());
    return Response.status(401)
        .type(Problem.MEDIA_TYPE)
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
        .entity(problem)
        .build();
  }

  @ServerExceptionMapper
  public Response unexpected(RuntimeException e, UriInfo uri) {
    LOG.errorf(e, "unexpected error serving %s", path(uri));
    return respond(
        new Problem(
            Problem.TYPE_BASE + "internal-error",
            "Internal error",
            500,
            "the service failed to answer; see its log",
            path(uri),
            List.of()));
  }

  private static Problem invalid(UriInfo uri, List<Problem.FieldError> errors) {
    String detail =
        errors.stream().map(f -> f.field() + " " + f.message()).collect(Collectors.joining("; "));
    return new Problem(
        Problem.TYPE_BASE + "invalid-request",
        "The request is invalid",
        400,
        detail,
        path(uri),
        errors);
  }

  static Response respond(Problem problem) {
    return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
  }

  /**
   * The request field a violation is about: {@code add.body.table} (method, body parameter,
   * property) becomes {@code table}; {@code list.limit} (method, query parameter) becomes {@code
   * limit}. Resources name their body parameter {@code body}, so a missing body is {@code body}.
   */
  static String field(ConstraintViolation<?> violation) {
    List<Path.Node> nodes =
        StreamSupport.stream(violation.getPropertyPath().spliterator(), false)
            .filter(
                n -> n.getKind() != ElementKind.METHOD && n.getKind() != ElementKind.RETURN_VALUE)
            .toList();
    if (nodes.size() > 1 && nodes.get(0).getKind() == ElementKind.PARAMETER) {
      nodes = nodes.subList(1, nodes.size());
    }
    String field =
        nodes.stream()
            .map(Path.Node::toString)
            .filter(n -> !n.isEmpty())
            .collect(Collectors.joining("."));
    return field.isEmpty() ? "body" : field;
  }

  /** The field a parsing error is about; {@code body} when it is the body as a whole. */
  static String field(JsonMappingException e) {
    String field =
        e.getPath().stream()
            .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
            .collect(Collectors.joining("."))
            .replace(".[", "[");
    return field.isEmpty() ? "body" : field;
  }

  private static String describe(Class<?> type) {
    if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
      return "a number";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (List.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    return "an object";
  }

  private static String quote(Object value) {
    return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
  }

  private static String path(UriInfo uri) {
    return uri == null ? null : uri.getRequestUri().getRawPath();
  }
}
