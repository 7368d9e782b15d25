package network.hydrogen.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import network.hydrogen.task.InvalidTaskException;
import network.hydrogen.task.TaskError;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's HTTP side: the inference API under {@code /v1} (API keys, a rate limit on task
 * creation, a body size limit), its OpenAPI document, and the image generator page at {@code /}.
 */
final class BridgeServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OWNER = "hydrogen.bridge.owner";
  private static final String WEB = "/network/hydrogen/bridge/web/";
  private static final Map<String, String> ASSETS =
      Map.of(
          "/app.js", "text/javascript; charset=utf-8",
          "/style.css", "text/css; charset=utf-8");

  private final BridgeConfig config;
  private final TaskStore store;
  private final TaskPipeline pipeline;
  private final ApiKeys keys;
  private final RateLimiter limiter;
  private final Javalin app;
  private final Map<String, List<SseClient>> streams = new ConcurrentHashMap<>();
  private final ExecutorService notifier =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("bridge-sse").factory());

  BridgeServer(BridgeConfig config, TaskStore store, TaskPipeline pipeline) {
    this.config = config;
    this.store = store;
    this.pipeline = pipeline;
    this.keys = new ApiKeys(config.apiKeys(), config.webKey());
    this.limiter = new RateLimiter(config.ratePerMinute(), config.rateBurst(), System::nanoTime);
    this.app = Javalin.create(cfg -> cfg.showJavalinBanner = false);
    app.before("/v1/*", this::authenticate);
    app.post("/v1/tasks", this::create);
    app.get("/v1/tasks", this::list);
    app.get("/v1/tasks/{id}", ctx -> ctx.json(view(owned(ctx))));
    app.delete("/v1/tasks/{id}", this::cancel);
    app.get("/v1/tasks/{id}/images/{n}", this::image);
    app.before(
        "/v1/tasks/{id}/events",
        ctx -> {
          if (!"text/event-stream".equals(ctx.header("Accept"))) {
            throw new BridgeException(
                406, "an event stream: send the header Accept: text/event-stream");
          }
        });
    app.sse("/v1/tasks/{id}/events", this::events);
    app.get("/", this::page);
    ASSETS.forEach(
        (path, type) ->
            app.get(path, ctx -> ctx.contentType(type).result(resource(WEB + path.substring(1)))));
    app.get(
        "/openapi.json",
        ctx -> ctx.contentType("application/json").result(resource(WEB + "openapi.json")));
    app.get("/health", ctx -> ctx.json(Map.of("status", "ok")));
    app.exception(
        BridgeException.class,
        (e, ctx) -> ctx.status(e.status()).json(Map.of("error", e.getMessage())));
    store.onChange(id -> notifier.execute(() -> publish(id)));
  }

  void start() {
    app.start(config.host(), config.port());
  }

  int port() {
    return app.port();
  }

  private void authenticate(Context ctx) {
    String owner =
        keys.authenticate(ctx.header("Authorization"))
            .orElseThrow(
                () -> {
                  ctx.header("WWW-Authenticate", "Bearer");
                  return new BridgeException(
                      401, "an API key is needed: send the header Authorization: Bearer KEY");
                });
    ctx.attribute(OWNER, owner);
  }

  private void create(Context ctx) throws IOException {
    String owner = ctx.attribute(OWNER);
    RateLimiter.Decision d = limiter.acquire(owner);
    if (!d.allowed()) {
      long seconds = Math.max(1, (d.retryAfter().toMillis() + 999) / 1000);
      ctx.header("Retry-After", Long.toString(seconds));
      throw new BridgeException(
          429,
          "too many tasks: this key may create "
              + config.rateBurst()
              + " at once and "
              + config.ratePerMinute()
              + " a minute; retry in "
              + seconds
              + " s");
    }
    byte[] body = readBody(ctx);
    ValidTask task;
    try {
      task = Tasks.parse(body);
    } catch (InvalidTaskException e) {
      ArrayNode errors = JSON.createArrayNode();
      for (TaskError error : e.errors()) {
        errors.addObject().put("field", error.path()).put("message", error.message());
      }
      ObjectNode out = JSON.createObjectNode().put("error", e.getMessage());
      out.set("errors", errors);
      ctx.status(400).json(out);
      return;
    }
    String id = UUID.randomUUID().toString();
    BridgeTask t = store.insert(id, owner, task, pipeline.vramFor(task.args()));
    pipeline.wake();
    ctx.status(202).header("Location", "/v1/tasks/" + id).json(view(t));
  }

  private byte[] readBody(Context ctx) throws IOException {
    long limit = config.maxBodyBytes();
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(limit);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        if (out.size() > limit) {
          throw tooLarge(limit);
        }
      }
    }
    return out.toByteArray();
  }

  private static BridgeException tooLarge(long limit) {
    return new BridgeException(413, "the request body is larger than " + limit + " bytes");
  }

  private void list(Context ctx) {
    int limit;
    try {
      limit = Integer.parseInt(ctx.queryParamAsClass("limit", String.class).getOrDefault("20"));
    } catch (NumberFormatException e) {
      throw new BridgeException(400, "limit must be a number: " + ctx.queryParam("limit"));
    }
    if (limit < 1 || limit > 100) {
      throw new BridgeException(400, "limit must be 1 to 100, was " + limit);
    }
    ArrayNode out = JSON.createArrayNode();
    for (BridgeTask t : store.list(ctx.attribute(OWNER), limit)) {
      out.add(view(t));
    }
    ctx.json(JSON.createObjectNode().set("tasks", out));
  }

  private void cancel(Context ctx) {
    BridgeTask t = owned(ctx);
    pipeline.cancel(t.id());
    ctx.json(view(store.find(t.id()).orElseThrow()));
  }

  private void image(Context ctx) throws IOException {
    BridgeTask t = owned(ctx);
    if (t.status() != BridgeTask.Status.SUCCEEDED) {
      throw new BridgeException(409, "the task has no images yet: it is " + t.status().json());
    }
    int n;
    try {
      n = Integer.parseInt(ctx.pathParam("n"));
    } catch (NumberFormatException e) {
      throw new BridgeException(400, "image number is not a number: " + ctx.pathParam("n"));
    }
    if (n < 0 || n >= t.images()) {
      throw new BridgeException(404, "the task has images 0 to " + (t.images() - 1) + ", not " + n);
    }
    Path file = pipeline.imagesOf(t.id()).resolve(n + ".png");
    ctx.contentType("image/png")
        .header("Content-Disposition", "inline; filename=\"hydrogen-" + t.id() + "-" + n + ".png\"")
        .header("Content-Length", Long.toString(Files.size(file)))
        .result(Files.newInputStream(file));
  }

  private void events(SseClient client) {
    BridgeTask t = owned(client.ctx());
    client.keepAlive();
    List<SseClient> clients = streams.computeIfAbsent(t.id(), k -> new CopyOnWriteArrayList<>());
    clients.add(client);
    client.onClose(() -> clients.remove(client));
    notifier.execute(() -> publish(t.id()));
  }

  /** Sends a task's status to its event streams; ends them when the task is finished. */
  private void publish(String id) {
    List<SseClient> clients = streams.get(id);
    if (clients == null || clients.isEmpty()) {
      return;
    }
    try {
      BridgeTask t = store.find(id).orElseThrow();
      String data = JSON.writeValueAsString(view(t));
      for (SseClient c : clients) {
        c.sendEvent("status", data);
        if (t.status().finished()) {
          c.close();
          clients.remove(c);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("sending status of task {}: {}", id, e.toString());
    }
  }

  private BridgeTask owned(Context ctx) {
    String id = ctx.pathParam("id");
    return store
        .find(id)
        .filter(t -> t.owner().equals(ctx.attribute(OWNER)))
        .orElseThrow(() -> new BridgeException(404, "no task " + id));
  }

  /** A task as the API shows it. */
  private ObjectNode view(BridgeTask t) {
    ObjectNode v = JSON.createObjectNode();
    v.put("id", t.id());
    v.put("status", t.status().json());
    if (t.reason() != null) {
      v.put("reason", t.reason());
    }
    ObjectNode progress = v.putObject("progress");
    progress.put("message", progressMessage(t));
    progress.put("nodes", 3);
    progress.put("committed", t.committed());
    progress.put("disclosed", t.disclosed());
    v.put("attempt", t.attempt());
    if (t.chainTaskId() != null) {
      v.put("chain_task_id", t.chainTaskId().toString());
    }
    ArrayNode attempts = v.putArray("attempts");
    BigInteger paid = BigInteger.ZERO;
    for (TaskStore.Attempt a : store.attempts(t.id())) {
      attempts
          .addObject()
          .put("attempt", a.attempt())
          .put("chain_task_id", a.chainTaskId().toString())
          .put("created_at", a.createdAt().toString());
      paid = paid.add(a.fee());
    }
    v.put("fee_paid_wei", paid.toString());
    v.put("refunded_wei", store.refunded(t.id()).toString());
    v.put("num_images", t.numImages());
    ArrayNode images = v.putArray("images");
    for (int n = 0; n < t.images(); n++) {
      images.add("/v1/tasks/" + t.id() + "/images/" + n);
    }
    v.put("created_at", t.createdAt().toString());
    v.put("updated_at", t.updatedAt().toString());
    List<TaskStore.Event> events = store.events(t.id());
    ArrayNode timeline = v.putArray("timeline");
    ObjectNode timings = JSON.createObjectNode();
    Instant end = t.status().finished() ? events.getLast().at() : Instant.now();
    for (int i = 0; i < events.size(); i++) {
      TaskStore.Event e = events.get(i);
      ObjectNode step = timeline.addObject().put("at", e.at().toString());
      step.put("status", e.status().json()).put("detail", e.detail());
      if (!e.status().finished()) {
        Instant until = i + 1 < events.size() ? events.get(i + 1).at() : end;
        String key = e.status().json();
        timings.put(key, timings.path(key).asLong(0) + Duration.between(e.at(), until).toMillis());
      }
    }
    timings.put("total", Duration.between(events.getFirst().at(), end).toMillis());
    v.set("timings_ms", timings);
    try {
      v.set("task", JSON.readTree(t.taskJson()));
    } catch (IOException e) {
      throw new IllegalStateException("stored task JSON is unreadable", e);
    }
    return v;
  }

  private static String progressMessage(BridgeTask t) {
    return switch (t.status()) {
      case QUEUED -> "queued: waiting for three free nodes";
      case SUBMITTING -> "creating the task on chain";
      case CREATED -> "on chain: three nodes were chosen and are preparing";
      case RUNNING ->
          t.committed() < 3
              ? "nodes working: " + t.committed() + " of 3 have a result"
              : t.disclosed() < 2
                  ? "nodes comparing results: " + t.disclosed() + " of 3 disclosed"
                  : "results agree; waiting for the images";
      case SUCCEEDED -> "done";
      case FAILED -> "failed: " + t.reason();
      case ABORTED -> "aborted: " + t.reason();
      case CANCELLED -> "cancelled";
    };
  }

  private void page(Context ctx) throws IOException {
    String html;
    try (InputStream in = resource(WEB + "index.html")) {
      html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String featured =
        config.pageModel() == null
            ? ""
            : "<option value=\"%s\" selected>%s</option>\n          "
                .formatted(escape(config.pageModel()), escape(config.pageModel()));
    ctx.header("Cache-Control", "no-store")
        .html(
            html.replace("@WEB_KEY@", config.webKey() == null ? "" : config.webKey())
                .replace("@PAGE_MODEL@", featured));
  }

  /** {@code text} safe inside HTML text and attribute values. */
  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  private static InputStream resource(String name) {
    InputStream in = BridgeServer.class.getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("missing resource " + name);
    }
    return in;
  }

  @Override
  public void close() {
    app.stop();
    notifier.shutdownNow();
  }
}
