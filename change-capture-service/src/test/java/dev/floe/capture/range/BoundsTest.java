package dev.floe.capture.range;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.icdc.Bounds;
import java.math.BigDecimal;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Tag("unit")
class BoundsTest {
  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of(Types.BooleanType.get(), true, "true"),
        Arguments.of(Types.IntegerType.get(), -7, "-7"),
        Arguments.of(Types.LongType.get(), 1_602L, "1602"),
        Arguments.of(Types.DoubleType.get(), 2.5d, "2.5"),
        Arguments.of(Types.DateType.get(), 20_775, "2026-11-18"),
        Arguments.of(Types.TimeType.get(), 3_600_000_001L, "01:00:00.000001"),
        Arguments.of(
            Types.TimestampType.withZone(), 1_763_424_540_000_000L, "2025-11-18T00:09:00Z"),
        Arguments.of(Types.TimestampType.withoutZone(), -1L, "1969-12-31T23:59:59.999999"),
        Arguments.of(
            Types.TimestampNanoType.withZone(), 1_000_000_001L, "1970-01-01T00:00:01.000000001Z"),
        Arguments.of(Types.DecimalType.of(12, 2), new BigDecimal("431.40"), "431.40"),
        Arguments.of(Types.StringType.get(), "eu-west", "eu-west"),
        Arguments.of(
            Types.UUIDType.get(),
            UUID.fromString("9b2c3f44-0b7e-4d56-a1f0-0c7a1c1a2b3c"),
            "9b2c3f44-0b7e-4d56-a1f0-0c7a1c1a2b3c"));
  }

  @ParameterizedTest
  @MethodSource("values")
  void formatsCanonicallyAndParsesBack(Type.PrimitiveType type, Object internal, String text) {
    assertThat(Bounds.format(type, internal)).isEqualTo(text);
    assertThat(Bounds.parse(type, text)).isEqualTo(internal);
    // Iceberg decodes strings as CharBuffers: compare canonical forms.
    assertThat(Bounds.format(type, Bounds.deserialize(type, Bounds.serialize(type, internal))))
        .isEqualTo(text);
  }

  @Test
  void binaryValuesHaveNoRange() {
    assertThat(Bounds.supported(Types.BinaryType.get())).isFalse();
    assertThatThrownBy(() -> Bounds.parse(Types.BinaryType.get(), "00"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
