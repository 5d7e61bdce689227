package dev.floe.stack.sql;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A statement ready for DuckDB, and what it reads.
 *
 * @param sql the statement with each lake table replaced by its in-memory copy
 * @param tables each distinct table state read, in order of appearance, to the name of the
 *     in-memory table that must hold it; unmodifiable
 */
record RewrittenStatement(String sql, Map<TableReference, String> tables) {
  RewrittenStatement {
    tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
  }
}
