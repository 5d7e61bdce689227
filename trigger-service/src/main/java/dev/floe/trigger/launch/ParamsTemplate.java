package dev.floe.trigger.launch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.RunRequested;
import io.quarkus.qute.Engine;
import io.quarkus.qute.Expression;
import io.quarkus.qute.RawString;
import io.quarkus.qute.ResultMapper;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateNode;
import java.util.Map;

/**
 * Run parameters as a Qute template that renders to JSON. The template sees {@code run}, the {@code
 * RunRequested} as JSON fields ({@code {run.runId}}, {@code {run.inputs.0.icdc.metadataLocation}}),
 * and {@code runJson}, the whole run as a JSON object to embed unquoted. Every value is
 * JSON-escaped, so a value cannot break out of its string; rendering is strict, so a misspelt name
 * fails instead of rendering empty.
 */
public final class ParamsTemplate {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Engine ENGINE =
      Engine.builder()
          .addDefaults()
          .strictRendering(true)
          .addResultMapper(new JsonEscaper())
          .build();

  private final Template template;

  private ParamsTemplate(Template template) {
    this.template = template;
  }

  /** Parses a template; a syntax error is an {@link IllegalArgumentException}. */
  public static ParamsTemplate parse(String source) {
    try {
      return new ParamsTemplate(ENGINE.parse(source));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The run's parameters as JSON text.
   *
   * @throws IllegalArgumentException when the template names what the run does not have, or does
   *     not render to JSON
   */
  public String render(RunRequested run) {
    ObjectMapper mapper = EventCodec.mapper();
    Map<String, Object> fields =
        mapper.convertValue(mapper.valueToTree(run), new TypeReference<Map<String, Object>>() {});
    String rendered;
    try {
      rendered = template.data("run", fields).data("runJson", new RawString(json(run))).render();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    try {
      JSON.readTree(rendered);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "does not render to JSON: " + e.getOriginalMessage() + " in " + rendered, e);
    }
    return rendered;
  }

  private static String json(RunRequested run) {
    try {
      return EventCodec.mapper().writeValueAsString(run);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Escapes what a JSON string cannot hold as is; {@code .raw} values are left alone. */
  private static final class JsonEscaper implements ResultMapper {
    @Override
    public boolean appliesTo(TemplateNode.Origin origin, Object result) {
      return !(result instanceof RawString);
    }

    @Override
    public String map(Object result, Expression expression) {
      String text = String.valueOf(result);
      StringBuilder out = new StringBuilder(text.length());
      for (char c : text.toCharArray()) {
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (c < 0x20) {
              out.append(String.format("\\u%04x", (int) c));
            } else {
              out.append(c);
            }
          }
        }
      }
      return out.toString();
    }
  }
}
