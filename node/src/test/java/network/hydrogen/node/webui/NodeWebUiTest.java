package network.hydrogen.node.webui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import network.hydrogen.chain.NodeStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NodeWebUiTest {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final FakeNode node = new FakeNode();
  private NodeWebUi webUi;

  @BeforeEach
  void start() {
    webUi = NodeWebUi.start(node, "127.0.0.1", 0, Optional.empty());
  }

  @AfterEach
  void stop() {
    webUi.close();
  }

  @Test
  void statusCarriesTheSnapshotWithExactAmountsAndTheActionsPossibleNow() throws Exception {
    node.join();
    node.runTask(BigInteger.valueOf(12), "running the engine", 7, 20);
    node.endTask("slashed: results disagree", new BigInteger("-5000000000000000001"));
    node.runTask(BigInteger.valueOf(13), "running the engine", 3, 20);

    HttpResponse<String> response = get("/api/status");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonNode status = NodeWebUi.JSON.readTree(response.body());
    assertThat(status.path("status").asText()).isEqualTo("BUSY");
    assertThat(status.path("activity").asText()).isEqualTo("running task 13");
    assertThat(status.path("wallet").path("ether").isTextual()).isTrue();
    assertThat(status.path("wallet").path("ether").asText()).isEqualTo("1234500000000000000");
    assertThat(status.path("wallet").path("staked").asText()).isEqualTo("100000000000000000000");
    assertThat(status.path("gpu").path("vramBytes").asLong()).isEqualTo(24L << 30);
    assertThat(status.path("task").path("taskId").asText()).isEqualTo("13");
    assertThat(status.path("task").path("step").asInt()).isEqualTo(3);
    assertThat(status.path("task").path("totalSteps").asInt()).isEqualTo(20);
    assertThat(status.path("task").path("started").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(status.path("history").get(0).path("earned").asText())
        .isEqualTo("-5000000000000000001");
    assertThat(status.path("logs").get(0).path("level").asText()).isEqualTo("INFO");
    assertThat(status.path("actions").toString()).isEqualTo("[\"pause\",\"quit\"]");
  }

  @Test
  void noTaskIsNull() throws Exception {
    JsonNode status = NodeWebUi.JSON.readTree(get("/api/status").body());

    assertThat(status.path("task").isNull()).isTrue();
    assertThat(status.path("actions").toString()).isEqualTo("[\"join\"]");
  }

  @Test
  void actionsAreAcceptedWhenTheyMakeSenseAndChangeTheNode() throws Exception {
    assertThat(post("/api/join").statusCode()).isEqualTo(202);
    assertThat(node.snapshot().status()).isEqualTo(NodeStatus.AVAILABLE);
    assertThat(post("/api/pause").statusCode()).isEqualTo(202);
    assertThat(node.snapshot().status()).isEqualTo(NodeStatus.PAUSED);
    assertThat(post("/api/resume").statusCode()).isEqualTo(202);
    assertThat(node.snapshot().status()).isEqualTo(NodeStatus.AVAILABLE);
    HttpResponse<String> quit = post("/api/quit");
    assertThat(quit.statusCode()).isEqualTo(202);
    assertThat(NodeWebUi.JSON.readTree(quit.body()).path("accepted").asText()).isEqualTo("quit");
    assertThat(node.snapshot().status()).isEqualTo(NodeStatus.QUIT);
    assertThat(node.requests).containsExactly("join", "pause", "resume", "quit");
  }

  @Test
  void actionsThatMakeNoSenseNowAreRefusedWith409AndAReason() throws Exception {
    HttpResponse<String> pause = post("/api/pause");

    assertThat(pause.statusCode()).isEqualTo(409);
    assertThat(error(pause))
        .isEqualTo(
            "cannot pause while the node is not in the network:"
                + " pause is possible when it is available or busy");
    assertThat(post("/api/resume").statusCode()).isEqualTo(409);
    assertThat(post("/api/quit").statusCode()).isEqualTo(409);
    assertThat(node.requests).isEmpty();

    node.join();
    HttpResponse<String> join = post("/api/join");
    assertThat(join.statusCode()).isEqualTo(409);
    assertThat(error(join)).startsWith("cannot join while the node is available");
  }

  @Test
  void aRequestTheNodeRefusesIs409WithItsReason() throws Exception {
    node.refuseNext("a join transaction is already pending");

    HttpResponse<String> join = post("/api/join");

    assertThat(join.statusCode()).isEqualTo(409);
    assertThat(error(join)).isEqualTo("cannot join now: a join transaction is already pending");
    assertThat(node.snapshot().status()).isEqualTo(NodeStatus.QUIT);
  }

  @Test
  void eventStreamSendsTheSnapshotOnConnectThenEveryChangeAndLogEntry() throws Exception {
    HttpResponse<InputStream> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/events"))
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
    Thread reader = Thread.ofVirtual().start(() -> readEvents(response.body(), events));
    try {
      SseEvent first = events.poll(10, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(first.name()).isEqualTo("snapshot");
      assertThat(NodeWebUi.JSON.readTree(first.data()).path("status").asText()).isEqualTo("QUIT");

      assertThat(post("/api/join").statusCode()).isEqualTo(202);

      SseEvent log = nextEvent(events, "log");
      assertThat(NodeWebUi.JSON.readTree(log.data()).path("message").asText())
          .isEqualTo("join done");
      JsonNode snapshot = NodeWebUi.JSON.readTree(nextEvent(events, "snapshot").data());
      assertThat(snapshot.path("status").asText()).isEqualTo("AVAILABLE");
      assertThat(snapshot.path("actions").toString()).isEqualTo("[\"pause\",\"quit\"]");

      node.runTask(BigInteger.ONE, "running the engine", 5, 10);
      JsonNode busy = NodeWebUi.JSON.readTree(nextEvent(events, "snapshot").data());
      assertThat(busy.path("task").path("step").asInt()).isEqualTo(5);
    } finally {
      response.body().close();
      reader.interrupt();
    }
  }

  @Test
  void closingStopsListeningToTheNode() {
    assertThat(node.listenerCount()).isEqualTo(1);

    webUi.close();

    assertThat(node.listenerCount()).isZero();
  }

  @Test
  void servesThePageAndItsScript() throws Exception {
    HttpResponse<String> page = get("/");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
    assertThat(page.body()).contains("<title>Hydrogen node</title>", "webui.js", "webui.css");
    assertThat(get("/webui.js").body()).contains("new EventSource('api/events')");
    assertThat(get("/webui.css").statusCode()).isEqualTo(200);
  }

  @Test
  void requestsFromOtherSitesAreRefused() throws Exception {
    HttpResponse<String> crossSite = post("/api/quit", "Origin", "https://evil.example");
    node.join();
    HttpResponse<String> sameSite =
        post("/api/pause", "Origin", "http://127.0.0.1:" + webUi.port());

    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(error(crossSite)).contains("https://evil.example");
    assertThat(sameSite.statusCode()).isEqualTo(202);
    assertThat(node.requests).containsExactly("join", "pause");
    assertThat(statusLineFor("evil.example")).contains(" 403 ");
    assertThat(statusLineFor("localhost:" + webUi.port())).contains(" 200 ");
  }

  @Test
  void metricsAreServedOnlyWithARegistry() throws Exception {
    assertThat(get("/metrics").statusCode()).isEqualTo(404);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter.builder("hydrogen.node.tasks").register(registry).increment(3);
    try (NodeWebUi withMetrics = NodeWebUi.start(node, "127.0.0.1", 0, Optional.of(registry))) {
      HttpResponse<String> metrics =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + withMetrics.port() + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("hydrogen_node_tasks_total 3.0");
    }
  }

  @Test
  void aBadPortIsNamed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> NodeWebUi.start(node, "127.0.0.1", 70000, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("70000");
  }

  private record SseEvent(String name, String data) {}

  private static void readEvents(InputStream body, BlockingQueue<SseEvent> events) {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String name = "message";
      StringBuilder data = new StringBuilder();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isEmpty()) {
          events.add(new SseEvent(name, data.toString()));
          name = "message";
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          name = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).strip());
        }
      }
    } catch (IOException closed) {
      // the test closed the stream
    }
  }

  private static SseEvent nextEvent(BlockingQueue<SseEvent> events, String name)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      SseEvent event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (event != null && event.name().equals(name)) {
        return event;
      }
    }
    throw new AssertionError("no " + name + " event within 10 s");
  }

  private String statusLineFor(String host) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", webUi.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /api/status HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new BufferedReader(new InputStreamReader(socket.getInputStream())).readLine();
    }
  }

  private String error(HttpResponse<String> response) throws IOException {
    return NodeWebUi.JSON.readTree(response.body()).path("error").asText();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + webUi.port() + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String... headerNamesAndValues) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (headerNamesAndValues.length > 0) {
      request.headers(headerNamesAndValues);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
