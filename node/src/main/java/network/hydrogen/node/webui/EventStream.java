package network.hydrogen.node.webui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import network.hydrogen.node.NodeControl;
import network.hydrogen.node.NodeListener;
import network.hydrogen.node.NodeLogEntry;
import network.hydrogen.node.NodeSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-sent event stream of {@code GET /api/events}: a {@code snapshot} event on connect and
 * on every change, a {@code log} event per log entry, and a {@code ping} every few seconds so that
 * the page can tell a dead stream from a quiet node. One thread writes to all clients, so the
 * node's threads never wait on a browser and events reach each client in order; snapshots that come
 * faster than they are sent are merged into the latest one.
 */
final class EventStream implements NodeListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);

  private final NodeControl node;
  private final ObjectMapper json;
  private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
  private final AtomicReference<NodeSnapshot> pendingSnapshot = new AtomicReference<>();
  private final ScheduledExecutorService sender =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "webui-events");
            t.setDaemon(true);
            return t;
          });
  private final AutoCloseable subscription;

  EventStream(NodeControl node, ObjectMapper json, Duration pingEvery) {
    this.node = node;
    this.json = json;
    long ms = pingEvery.toMillis();
    sender.scheduleAtFixedRate(() -> broadcast("ping", "{}"), ms, ms, TimeUnit.MILLISECONDS);
    this.subscription = node.subscribe(this);
  }

  /** Keeps {@code client}'s request open and sends it the node's current snapshot first. */
  void connect(SseClient client) {
    client.keepAlive();
    client.onClose(() -> clients.remove(client));
    submit(
        () -> {
          send(client, "snapshot", toJson(StatusView.of(node.snapshot())));
          if (!client.terminated()) {
            clients.add(client);
          }
        });
  }

  @Override
  public void onSnapshot(NodeSnapshot snapshot) {
    if (pendingSnapshot.getAndSet(snapshot) == null) {
      submit(
          () -> {
            NodeSnapshot latest = pendingSnapshot.getAndSet(null);
            if (latest != null) {
              broadcast("snapshot", toJson(StatusView.of(latest)));
            }
          });
    }
  }

  @Override
  public void onLog(NodeLogEntry entry) {
    submit(() -> broadcast("log", toJson(entry)));
  }

  @Override
  public void close() {
    try {
      subscription.close();
    } catch (Exception e) {
      LOG.warn("could not unsubscribe the WebUI from the node: {}", e.toString());
    }
    sender.shutdownNow();
    clients.forEach(SseClient::close);
    clients.clear();
  }

  private void submit(Runnable send) {
    try {
      sender.execute(
          () -> {
            try {
              send.run();
            } catch (RuntimeException e) {
              LOG.warn("could not send a WebUI event", e);
            }
          });
    } catch (RejectedExecutionException closed) {
      // the WebUI is closing: nobody is left to tell
    }
  }

  private void broadcast(String event, String data) {
    clients.forEach(client -> send(client, event, data));
  }

  private void send(SseClient client, String event, String data) {
    try {
      client.sendEvent(event, data);
    } catch (RuntimeException e) {
      client.close();
    }
    if (client.terminated()) {
      clients.remove(client);
    }
  }

  private String toJson(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a WebUI event as JSON", e);
    }
  }
}
