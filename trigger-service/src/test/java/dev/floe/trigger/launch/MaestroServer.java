package dev.floe.trigger.launch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maestro's start and instance API as its code answers (Netflix/maestro: {@code
 * WorkflowActionController}, {@code MaestroRunStrategyDao}, {@code WorkflowInstanceController}),
 * for the launcher tests:
 *
 * <ul>
 *   <li>the caller comes from the {@code user} header; without one, 400 "the user name cannot be
 *       null";
 *   <li>a start body has {@code initiator}, an optional UUID {@code request_id} and {@code
 *       run_params} whose entries each have a {@code type} and exactly one of {@code value} or
 *       {@code expression}; anything else is refused (400, Maestro's {@code Details} body);
 *   <li>every start is answered 200 with a {@code status}: {@code CREATED}; {@code DUPLICATED} for
 *       a request id the workflow has seen, with instance and run id 0; {@code STOPPED} when the
 *       workflow's run strategy is {@code FIRST_ONLY} and an instance is running, with a new
 *       instance id and the reason in that instance's timeline only;
 *   <li>{@code GET .../instances?first=N[&cursor=C]} pages the newest instances first, at most 200,
 *       in no order within a page; {@code GET .../instances/{id}} answers one with its timeline.
 * </ul>
 */
final class MaestroServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern START =
      Pattern.compile("/api/v3/workflows/([^/]+)/versions/([^/]+)/actions/start");
  private static final Pattern INSTANCES =
      Pattern.compile("/api/v3/workflows/([^/]+)/instances(?:/(\\d+))?");
  private static final Set<String> START_FIELDS =
      Set.of(
          "initiator",
          "request_time",
          "request_id",
          "runtime_tags",
          "run_params",
          "artifacts",
          "persist_failed_run");
  private static final Set<String> PARAM_TYPES =
      Set.of(
          "STRING",
          "LONG",
          "DOUBLE",
          "BOOLEAN",
          "STRING_MAP",
          "STRING_ARRAY",
          "LONG_ARRAY",
          "DOUBLE_ARRAY",
          "BOOLEAN_ARRAY",
          "MAP");

  /** A workflow instance as Maestro keeps it. */
  record Instance(long id, String uuid, String caller, String status, String timeline) {}

  /** A request and Maestro's answer's status. */
  record Call(String method, String path, String user, int status, String body) {}

  private final HttpServer server;
  private final Map<String, Boolean> firstOnly = new HashMap<>();
  private final Map<String, List<Instance>> instances = new HashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile String requiredHeader;
  private volatile String requiredValue;

  MaestroServer() {
    this.server = LocalHttp.start(this::handle);
  }

  String url() {
    return LocalHttp.url(server);
  }

  /** Defines a workflow; with {@code firstOnly} its run strategy is {@code FIRST_ONLY}. */
  synchronized MaestroServer workflow(String id, boolean firstOnly) {
    this.firstOnly.put(id, firstOnly);
    instances.put(id, new ArrayList<>());
    return this;
  }

  /** Adds {@code n} finished instances started by others. */
  synchronized void others(String workflow, int n) {
    List<Instance> list = instances.get(workflow);
    for (int i = 0; i < n; i++) {
      list.add(
          new Instance(list.size() + 1, UUID.randomUUID().toString(), "other", "SUCCEEDED", null));
    }
  }

  synchronized List<Instance> instances(String workflow) {
    return List.copyOf(instances.get(workflow));
  }

  List<Call> calls() {
    return calls;
  }

  /** Refuses (401) every request without {@code name: value}, as a Maestro behind a gateway. */
  MaestroServer requireHeader(String name, String value) {
    this.requiredHeader = name;
    this.requiredValue = value;
    return this;
  }

  private void handle(HttpExchange http) throws IOException {
    String body = new String(http.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String user = http.getRequestHeaders().getFirst("user");
    String path = http.getRequestURI().getPath();
    Matcher start = START.matcher(path);
    Matcher list = INSTANCES.matcher(path);
    int status = 200;
    String answer;
    if (requiredHeader != null
        && !requiredValue.equals(http.getRequestHeaders().getFirst(requiredHeader))) {
      status = 401;
      answer = details("UNAUTHORIZED", "missing " + requiredHeader, List.of());
    } else if (user == null) {
      status = 400;
      answer = details("BAD_REQUEST", "the user name cannot be null", List.of());
    } else if (start.matches() && http.getRequestMethod().equals("POST")) {
      String[] reply = start(start.group(1), user, body);
      status = Integer.parseInt(reply[0]);
      answer = reply[1];
    } else if (list.matches() && http.getRequestMethod().equals("GET")) {
      String[] reply = read(list.group(1), list.group(2), http.getRequestURI().getRawQuery());
      status = Integer.parseInt(reply[0]);
      answer = reply[1];
    } else {
      status = 404;
      answer = details("NOT_FOUND", "no handler for " + path, List.of());
    }
    calls.add(new Call(http.getRequestMethod(), path, user, status, body));
    LocalHttp.answer(http, status, "application/json", answer);
  }

  private synchronized String[] start(String workflow, String user, String body) {
    List<Instance> list = instances.get(workflow);
    if (list == null) {
      return new String[] {
        "404",
        details(
            "NOT_FOUND",
            "Workflow [" + workflow + "] has not been created yet or has been deleted.",
            List.of())
      };
    }
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      return new String[] {"400", details("BAD_REQUEST", "JSON parse error", List.of())};
    }
    String problem = problem(request);
    if (problem != null) {
      return new String[] {"400", details("BAD_REQUEST", problem, List.of(problem))};
    }
    String uuid = request.path("request_id").asText(UUID.randomUUID().toString());
    ObjectNode answer = JSON.createObjectNode().put("workflow_id", workflow);
    answer.put("workflow_version_id", 1).put("workflow_uuid", uuid);
    if (list.stream().anyMatch(i -> i.uuid().equals(uuid))) {
      answer.put("workflow_instance_id", 0).put("workflow_run_id", 0);
      return new String[] {"200", answer.put("status", "DUPLICATED").toString()};
    }
    long id = list.size() + 1;
    Instance running =
        list.stream().filter(i -> i.status().equals("IN_PROGRESS")).findFirst().orElse(null);
    answer.put("workflow_instance_id", id).put("workflow_run_id", 1);
    if (firstOnly.get(workflow) && running != null) {
      String reason =
          "With FIRST_ONLY run strategy, this run is stopped due to a running one ["
              + workflow
              + "]["
              + running.id()
              + "][1].";
      list.add(new Instance(id, uuid, user, "STOPPED", reason));
      return new String[] {"200", answer.put("status", "STOPPED").toString()};
    }
    list.add(new Instance(id, uuid, user, "IN_PROGRESS", null));
    return new String[] {"200", answer.put("status", "CREATED").toString()};
  }

  /** Why Maestro refuses a start body; null when it takes it. */
  private static String problem(JsonNode request) {
    for (var it = request.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!START_FIELDS.contains(field)) {
        return "Unrecognized field \"" + field + "\"";
      }
    }
    if (!request.path("initiator").isObject() || !request.at("/initiator/type").isTextual()) {
      return "initiator must not be null";
    }
    if (request.has("request_id")) {
      try {
        UUID.fromString(request.get("request_id").asText());
      } catch (IllegalArgumentException e) {
        return "Cannot deserialize value of type `java.util.UUID`";
      }
    }
    for (var it = request.path("run_params").fields(); it.hasNext(); ) {
      var param = it.next();
      JsonNode p = param.getValue();
      if (!PARAM_TYPES.contains(p.path("type").asText())) {
        return "Parameter type must be set for parameter [" + param.getKey() + "]";
      }
      if (p.has("value") == p.has("expression")) {
        return "Param ["
            + param.getKey()
            + "] must be defined with either a literal value or an expression for parameter";
      }
    }
    return null;
  }

  private synchronized String[] read(String workflow, String instance, String query) {
    List<Instance> list = instances.get(workflow);
    if (list == null) {
      return new String[] {"404", details("NOT_FOUND", "no workflow " + workflow, List.of())};
    }
    if (instance != null) {
      int id = Integer.parseInt(instance);
      if (id < 1 || id > list.size()) {
        return new String[] {"404", details("NOT_FOUND", "no instance " + id, List.of())};
      }
      return new String[] {"200", element(list.get(id - 1)).toString()};
    }
    Map<String, String> params = new HashMap<>();
    if (query != null) {
      for (String pair : query.split("&")) {
        String[] kv = pair.split("=", 2);
        params.put(kv[0], URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
      }
    }
    if (!params.containsKey("first") || params.containsKey("last")) {
      return new String[] {
        "400",
        details("BAD_REQUEST", "Either first or last need to be provided, but not both", List.of())
      };
    }
    int first = Integer.parseInt(params.get("first"));
    if (first < 1 || first > 200) {
      return new String[] {"400", details("BAD_REQUEST", "first must be 1 to 200", List.of())};
    }
    long top =
        params.containsKey("cursor") ? Long.parseLong(params.get("cursor")) - 1 : list.size();
    long bottom = Math.max(1, top - first + 1);
    List<ObjectNode> page = new ArrayList<>();
    for (long id = top; id >= bottom; id--) {
      page.add(element(list.get((int) id - 1)));
    }
    Collections.shuffle(page); // Maestro's query orders its window, not the page
    ObjectNode answer = JSON.createObjectNode();
    ObjectNode info = answer.putObject("page_info");
    info.put("start_cursor", page.isEmpty() ? null : Long.toString(top));
    info.put("end_cursor", page.isEmpty() ? null : Long.toString(bottom));
    info.put("has_previous_page", top < list.size());
    info.put("has_next_page", !page.isEmpty() && bottom > 1);
    info.put("start_index", page.isEmpty() ? null : list.size() + 1 - top);
    answer.put("total_count", list.size());
    ArrayNode elements = answer.putArray("elements");
    page.forEach(elements::add);
    return new String[] {"200", answer.toString()};
  }

  private static ObjectNode element(Instance i) {
    ObjectNode node = JSON.createObjectNode();
    node.put("workflow_instance_id", i.id()).put("workflow_run_id", 1);
    node.put("workflow_uuid", i.uuid()).put("status", i.status());
    node.putObject("initiator").put("type", "MANUAL").put("user", i.caller());
    if (i.timeline() != null) {
      node.putArray("timeline")
          .addObject()
          .put("timestamp", 1733400000000L)
          .put("type", "LOG")
          .put("level", "INFO")
          .put("message", i.timeline());
    }
    return node;
  }

  private static String details(String status, String message, List<String> errors) {
    ObjectNode node = JSON.createObjectNode().put("status", status).put("message", message);
    if (!errors.isEmpty()) {
      ArrayNode list = node.putArray("errors");
      errors.forEach(list::add);
    }
    return node.toString();
  }

  @Override
  public void close() {
    LocalHttp.stop(server);
  }
}
