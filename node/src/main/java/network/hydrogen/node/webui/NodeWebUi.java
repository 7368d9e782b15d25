package network.hydrogen.node.webui;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import network.hydrogen.node.NodeControl;
import network.hydrogen.node.NodeSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's WebUI: a page showing the node's state, wallet, GPU, current task, history and logs,
 * kept live over server-sent events, with join / pause / resume / quit buttons; behind it a small
 * JSON API ({@code GET /api/status}, {@code GET /api/events}, {@code POST /api/join|pause|resume|
 * quit}) and, when a registry is given, {@code GET /metrics}. Amounts are wei as decimal strings.
 *
 * <p>It binds 127.0.0.1 unless told otherwise. Since any web page the operator visits could post to
 * a local port, requests whose {@code Origin} is another site are refused, and so are requests
 * naming another host while it listens on loopback (DNS rebinding).
 */
public final class NodeWebUi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeWebUi.class);
  private static final Duration PING_EVERY = Duration.ofSeconds(10);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new Jdk8Module())
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .withConfigOverride(
              BigInteger.class,
              o -> o.setFormat(JsonFormat.Value.forShape(JsonFormat.Shape.STRING)))
          .build();

  private final NodeControl node;
  private final boolean loopbackOnly;
  private final EventStream events;
  private final Javalin app;

  private NodeWebUi(
      NodeControl node, boolean loopbackOnly, Optional<PrometheusMeterRegistry> metrics) {
    this.node = node;
    this.loopbackOnly = loopbackOnly;
    this.events = new EventStream(node, JSON, PING_EVERY);
    this.app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.http.disableCompression();
              cfg.jsonMapper(new JavalinJackson(JSON, false));
              cfg.staticFiles.add(
                  files -> {
                    files.hostedPath = "/";
                    files.directory = "/network/hydrogen/node/webui/static";
                    files.location = Location.CLASSPATH;
                  });
            });
    app.before(this::refuseOtherSites);
    app.get("/api/status", ctx -> ctx.json(StatusView.of(node.snapshot())));
    app.sse("/api/events", events::connect);
    for (NodeAction action : NodeAction.values()) {
      app.post("/api/" + action.path(), ctx -> request(ctx, action));
    }
    metrics.ifPresent(
        registry ->
            app.get("/metrics", ctx -> ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape())));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.warn("WebUI request {} {} failed", ctx.method(), ctx.path(), e);
          ctx.status(HttpStatus.INTERNAL_SERVER_ERROR).json(Map.of("error", String.valueOf(e)));
        });
  }

  /**
   * Serves the WebUI of {@code node} on {@code host} and {@code port} (0 picks a free port) until
   * closed.
   *
   * @param metrics the registry {@code GET /metrics} scrapes; without it there is no such path
   */
  public static NodeWebUi start(
      NodeControl node, String host, int port, Optional<PrometheusMeterRegistry> metrics) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("WebUI port must be 0 to 65535, got " + port);
    }
    NodeWebUi webUi = new NodeWebUi(node, isLoopback(host), metrics);
    try {
      webUi.app.start(host, port);
    } catch (RuntimeException e) {
      webUi.close();
      throw e;
    }
    LOG.info("node WebUI on http://{}:{}/", host, webUi.port());
    return webUi;
  }

  /** The port it listens on. */
  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    events.close();
    app.stop();
  }

  private void request(Context ctx, NodeAction action) {
    NodeSnapshot now = node.snapshot();
    if (!action.allowedIn(now.status())) {
      conflict(ctx, action.refusal(now.status()));
      return;
    }
    try {
      action.requestOf(node);
    } catch (IllegalStateException e) {
      conflict(ctx, "cannot " + action.path() + " now: " + e.getMessage());
      return;
    }
    ctx.status(HttpStatus.ACCEPTED).json(Map.of("accepted", action.path()));
  }

  private static void conflict(Context ctx, String message) {
    ctx.status(HttpStatus.CONFLICT).json(Map.of("error", message));
  }

  private void refuseOtherSites(Context ctx) {
    String host = ctx.host();
    if (loopbackOnly && (host == null || !LOOPBACK_NAMES.contains(hostName(host)))) {
      refuse(ctx, "this WebUI answers only to localhost, not to host " + host);
    }
    String origin = ctx.header("Origin");
    if (origin != null && !sameHost(origin, host)) {
      refuse(ctx, "requests from other sites (" + origin + ") are refused");
    }
  }

  private static void refuse(Context ctx, String message) {
    ctx.status(HttpStatus.FORBIDDEN).json(Map.of("error", message));
    ctx.skipRemainingHandlers();
  }

  private static boolean sameHost(String origin, String host) {
    try {
      URI uri = URI.create(origin);
      String authority = uri.getRawAuthority();
      return authority != null && authority.equalsIgnoreCase(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String hostName(String hostHeader) {
    String name =
        hostHeader.startsWith("[")
            ? hostHeader.substring(0, hostHeader.indexOf(']') + 1)
            : hostHeader.replaceFirst(":\\d*$", "");
    return name.toLowerCase();
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("WebUI host " + host + " is not a known host name", e);
    }
  }
}
