package dev.floe.stack.test;

import dev.floe.stack.catalog.CatalogKind;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a service's {@code @QuarkusTest} on real infrastructure: an embedded KRaft broker and a real
 * catalog, SQLite unless the {@value #CATALOG} init argument names {@code postgres} or {@code
 * rest}. The service gets {@code kafka.bootstrap.servers} and {@code floe.catalog.*}; the test gets
 * the {@link FloeStack} in a field marked {@link InjectFloeStack}.
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(FloeTestResource.class)
 * class ListenerTest {
 *   @InjectFloeStack FloeStack stack;
 * }
 * }</pre>
 */
public class FloeTestResource implements QuarkusTestResourceLifecycleManager {
  /** Init argument naming the catalog kind: {@code sqlite}, {@code postgres} or {@code rest}. */
  public static final String CATALOG = "catalog";

  private CatalogKind kind = CatalogKind.SQLITE;
  private FloeStack stack;

  @Override
  public void init(Map<String, String> initArgs) {
    String catalog = initArgs.get(CATALOG);
    if (catalog != null) {
      kind = CatalogKind.valueOf(catalog.toUpperCase(Locale.ROOT));
    }
  }

  @Override
  public Map<String, String> start() {
    stack = FloeStack.start(kind);
    Map<String, String> config = new LinkedHashMap<>(stack.serviceConfig());
    // The embedded broker logs through the service's log manager; keep its chatter out.
    config.put("quarkus.log.category.\"kafka\".level", "WARN");
    config.put("quarkus.log.category.\"org.apache.kafka\".level", "WARN");
    config.put("quarkus.log.category.\"state.change.logger\".level", "WARN");
    return config;
  }

  @Override
  public void inject(TestInjector injector) {
    injector.injectIntoFields(
        stack, new TestInjector.AnnotatedAndMatchesType(InjectFloeStack.class, FloeStack.class));
  }

  @Override
  public void stop() {
    if (stack != null) {
      stack.close();
    }
  }
}
