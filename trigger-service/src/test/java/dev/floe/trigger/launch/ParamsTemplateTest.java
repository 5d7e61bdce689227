package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ParamsTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static RunRequested run(String reason) {
    return new RunRequested(
        "daily-7",
        "daily",
        List.of(
            new RunInput(
                "orders",
                new TableRef("lake", List.of("demo"), "orders"),
                new IcdcRef(
                    new TableRef("lake", List.of("floe_icdc"), "demo__orders__orders"),
                    "run-daily-7",
                    42L,
                    "file:/warehouse/floe_icdc/demo__orders__orders/metadata/00003.metadata.json"),
                List.of(new SnapshotRange(10L, 12L, List.of(11L, 12L))),
                List.of(),
                300,
                List.of(),
                true)),
        300,
        true,
        reason,
        null,
        1);
  }

  @Test
  void rendersFieldsOfTheRunIntoJson() throws Exception {
    String rendered =
        ParamsTemplate.parse(
                "{\"run_id\": \"{run.runId}\", \"snapshot\": {run.inputs.0.icdc.snapshotId},"
                    + " \"location\": \"{run.inputs.0.icdc.metadataLocation}\","
                    + " \"late\": {run.lateData}}")
            .render(run("changes"));
    JsonNode params = JSON.readTree(rendered);
    assertThat(params.get("run_id").asText()).isEqualTo("daily-7");
    assertThat(params.get("snapshot").asLong()).isEqualTo(42L);
    assertThat(params.get("location").asText()).endsWith("00003.metadata.json");
    assertThat(params.get("late").asBoolean()).isTrue();
  }

  @Test
  void valuesAreEscapedSoTheyCannotBreakOutOfTheirString() throws Exception {
    String rendered =
        ParamsTemplate.parse("{\"reason\": \"{run.reason}\"}")
            .render(run("manual \", \"admin\": true, \"x\": \"\n"));
    JsonNode params = JSON.readTree(rendered);
    assertThat(params.size()).isEqualTo(1);
    assertThat(params.get("reason").asText()).isEqualTo("manual \", \"admin\": true, \"x\": \"\n");
  }

  @Test
  void theWholeRunCanBeEmbeddedAsAnObject() throws Exception {
    JsonNode params =
        JSON.readTree(ParamsTemplate.parse("{\"floe\": {runJson}}").render(run("changes")));
    assertThat(params.at("/floe/runId").asText()).isEqualTo("daily-7");
    assertThat(params.at("/floe/inputs/0/records").asLong()).isEqualTo(300);
  }

  @Test
  void aMisspeltNameOrOutputThatIsNotJsonIsRejected() {
    assertThatThrownBy(() -> ParamsTemplate.parse("{\"x\": \"{run.runIdd}\"}").render(run("c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("runIdd");
    assertThatThrownBy(() -> ParamsTemplate.parse("{\"x\": {run.runId}}").render(run("c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not render to JSON");
    assertThatThrownBy(() -> ParamsTemplate.parse("{#if run.lateData}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
