package dev.floe.icdc;

import dev.floe.contracts.model.PartitionRef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.transforms.Transform;
import org.apache.iceberg.types.Type;

/** The partition of a file as events name it: spec id, Iceberg's path, and readable values. */
public final class PartitionRefs {
  private PartitionRefs() {}

  public static PartitionRef of(PartitionSpec spec, ContentFile<?> file) {
    String path = spec.isUnpartitioned() ? "" : spec.partitionToPath(file.partition());
    return new PartitionRef(file.specId(), path, values(spec, file));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> values(PartitionSpec spec, ContentFile<?> file) {
    Map<String, String> values = new LinkedHashMap<>();
    List<PartitionField> fields = spec.fields();
    for (int i = 0; i < fields.size(); i++) {
      PartitionField field = fields.get(i);
      Object value = file.partition().get(i, Object.class);
      Type sourceType = spec.schema().findType(field.sourceId());
      values.put(
          field.name(),
          value == null
              ? null
              : ((Transform<Object, Object>) field.transform()).toHumanString(sourceType, value));
    }
    return values;
  }
}
