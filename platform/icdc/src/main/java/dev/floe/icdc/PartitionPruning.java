package dev.floe.icdc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.expressions.ManifestEvaluator;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.PartitionMap;

/**
 * Which manifests may hold a file of a set of partitions, judged by their partition summaries
 * alone. Per spec, an evaluator accepts a manifest whose summaries may hold one of the partitions;
 * a spec with none of them gets none, so its manifests are skipped. Immutable once built.
 */
final class PartitionPruning {
  /** Touched partitions of one spec beyond which its manifests are all read, not pruned. */
  static final int MAX_PRUNED_PARTITIONS = 1_000;

  private final Map<Integer, ManifestEvaluator> evaluators = new HashMap<>();

  PartitionPruning(Map<Integer, PartitionSpec> specs, PartitionMap<Boolean> partitions) {
    Map<Integer, List<StructLike>> bySpec = new HashMap<>();
    partitions
        .keySet()
        .forEach(k -> bySpec.computeIfAbsent(k.first(), id -> new ArrayList<>()).add(k.second()));
    Map<Integer, Expression> filters = new HashMap<>();
    bySpec.forEach(
        (specId, values) -> {
          PartitionSpec spec = specs.get(specId);
          if (values.size() > MAX_PRUNED_PARTITIONS) {
            // Too many to test one by one: every manifest of the spec is read.
            filters.put(specId, Expressions.alwaysTrue());
            return;
          }
          List<Expression> each = new ArrayList<>();
          values.forEach(v -> each.add(equalTo(spec, v)));
          filters.put(specId, balancedOr(each, 0, each.size()));
        });
    filters.forEach(
        (specId, filter) ->
            evaluators.put(
                specId, ManifestEvaluator.forPartitionFilter(filter, specs.get(specId), true)));
  }

  boolean mayHold(ManifestFile manifest) {
    ManifestEvaluator evaluator = evaluators.get(manifest.partitionSpecId());
    return evaluator != null && evaluator.eval(manifest);
  }

  /** An OR of {@code each[from, to)} as a balanced tree, so that thousands stay shallow. */
  private static Expression balancedOr(List<Expression> each, int from, int to) {
    if (to - from == 1) {
      return each.get(from);
    }
    int mid = (from + to) >>> 1;
    return Expressions.or(balancedOr(each, from, mid), balancedOr(each, mid, to));
  }

  /** A partition-space filter matching exactly {@code partition} of {@code spec}. */
  private static Expression equalTo(PartitionSpec spec, StructLike partition) {
    Expression filter = Expressions.alwaysTrue();
    List<Types.NestedField> fields = spec.partitionType().fields();
    Class<?>[] classes = spec.javaClasses();
    for (int i = 0; i < fields.size(); i++) {
      Object value = partition.get(i, classes[i]);
      String name = fields.get(i).name();
      filter =
          Expressions.and(
              filter,
              value == null
                  ? Expressions.isNull(name)
                  : isNaN(value) ? Expressions.isNaN(name) : Expressions.equal(name, value));
    }
    return filter;
  }

  private static boolean isNaN(Object value) {
    return (value instanceof Double d && d.isNaN()) || (value instanceof Float f && f.isNaN());
  }
}
