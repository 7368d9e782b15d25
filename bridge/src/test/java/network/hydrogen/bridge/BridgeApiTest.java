package network.hydrogen.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.TransactionSender;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.utils.Numeric;

/**
 * The inference API over real HTTP, against a local Hardhat chain, a relay and scripted nodes (six:
 * two tasks at a time).
 */
class BridgeApiTest {
  private static final String FEE_WEI = TokenContract.cnx(30).toString();

  @TempDir static Path dir;
  private static TestNetwork net;
  private static int bridges;
  private final List<Bridge> started = new ArrayList<>();

  @BeforeAll
  static void startNetwork() throws IOException {
    net = TestNetwork.start(dir, 6);
  }

  @AfterAll
  static void stopNetwork() {
    if (net != null) {
      net.close();
    }
  }

  @AfterEach
  void stopBridges() {
    started.forEach(Bridge::close);
    net.nodes.release();
    net.nodes.rejoin();
  }

  private Bridge bridge(BridgeConfig config) throws IOException {
    Bridge b = net.bridge(config);
    started.add(b);
    return b;
  }

  private ApiClient client() throws IOException {
    return new ApiClient(
        bridge(net.bridgeConfig("bridge-" + bridges++)).port(), TestNetwork.APP_KEY);
  }

  static String task(int images, long seed) {
    return """
        {"version": "2.5.0", "base_model": "runwayml/stable-diffusion-v1-5",
         "prompt": "a red fox in the snow", "negative_prompt": "blurry",
         "task_config": {"num_images": %d, "seed": %d, "steps": 4,
                         "image_width": 128, "image_height": 128}}
        """
        .formatted(images, seed);
  }

  @Test
  void createSucceedDownload() throws Exception {
    ApiClient api = client();
    HttpResponse<String> created = api.post("/v1/tasks", task(2, 1));
    assertThat(created.statusCode()).isEqualTo(202);
    JsonNode body = ApiClient.json(created);
    String id = body.path("id").asText();
    assertThat(created.headers().firstValue("Location")).hasValue("/v1/tasks/" + id);
    assertThat(body.path("status").asText()).isIn("queued", "submitting", "created");
    CompletableFuture<List<String>> stream = events(api, id);

    JsonNode done = api.awaitStatus(id, "succeeded");
    assertThat(done.path("images")).hasSize(2);
    assertThat(done.path("attempts")).hasSize(1);
    assertThat(done.path("fee_paid_wei").asText()).isEqualTo(FEE_WEI);
    assertThat(done.path("refunded_wei").asText()).isEqualTo("0");
    assertThat(done.path("task").path("task_config").path("seed").asInt()).isEqualTo(1);
    JsonNode timings = done.path("timings_ms");
    assertThat(timings.has("queued")).isTrue();
    assertThat(timings.has("created")).isTrue();
    assertThat(timings.path("total").asLong()).isPositive();
    List<String> statuses = new ArrayList<>();
    done.path("timeline").forEach(step -> statuses.add(step.path("status").asText()));
    assertThat(statuses).containsSubsequence("queued", "submitting", "created", "succeeded");

    for (int n = 0; n < 2; n++) {
      HttpResponse<byte[]> png = api.bytes(done.path("images").get(n).asText());
      assertThat(png.statusCode()).isEqualTo(200);
      assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
      assertThat(image.getWidth()).isEqualTo(128);
      assertThat(image.getHeight()).isEqualTo(128);
    }
    assertThat(api.bytes("/v1/tasks/" + id + "/images/2").statusCode()).isEqualTo(404);

    List<String> events = stream.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(events.getLast()).contains("\"status\":\"succeeded\"");

    JsonNode history = ApiClient.json(api.get("/v1/tasks"));
    assertThat(history.path("tasks").findValuesAsText("id")).contains(id);
    ApiClient other = api.withKey(TestNetwork.OTHER_KEY);
    assertThat(other.get("/v1/tasks/" + id).statusCode()).isEqualTo(404);
    assertThat(ApiClient.json(other.get("/v1/tasks")).path("tasks")).isEmpty();
  }

  /** Reads a task's event stream until it ends; the data lines. */
  private static CompletableFuture<List<String>> events(ApiClient api, String id) {
    return HttpClient.newHttpClient()
        .sendAsync(
            api.request("/v1/tasks/" + id + "/events")
                .header("Accept", "text/event-stream")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofLines())
        .thenApply(
            r -> {
              try (Stream<String> lines = r.body()) {
                return lines.filter(l -> l.startsWith("data:")).toList();
              }
            });
  }

  @Test
  void badRequestsAreRefusedWithTheReason() throws Exception {
    ApiClient api = client();
    HttpResponse<String> r =
        api.post("/v1/tasks", task(1, 1).replace("\"steps\": 4", "\"steps\": 500"));
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = ApiClient.json(r);
    assertThat(error.path("errors").get(0).path("field").asText()).isEqualTo("task_config.steps");
    assertThat(error.path("error").asText()).contains("task_config.steps");

    assertThat(api.post("/v1/tasks", "{not json").statusCode()).isEqualTo(400);
    assertThat(api.withKey(null).get("/v1/tasks").statusCode()).isEqualTo(401);
    HttpResponse<String> wrong = api.withKey("wrong-key-0123456789").get("/v1/tasks");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(api.get("/v1/tasks/nope").statusCode()).isEqualTo(404);
    assertThat(api.get("/v1/tasks?limit=0").statusCode()).isEqualTo(400);
    assertThat(api.get("/v1/tasks/nope/events").statusCode()).isEqualTo(406);

    JsonNode openapi = ApiClient.json(api.withKey(null).get("/openapi.json"));
    assertThat(openapi.path("paths").has("/v1/tasks/{id}/events")).isTrue();
  }

  @Test
  void bodySizeAndRateLimits() throws Exception {
    BridgeConfig config = net.bridgeConfig("limits").withMaxBodyBytes(2048).withRateLimit(1, 2);
    ApiClient api = new ApiClient(bridge(config).port(), TestNetwork.APP_KEY);
    String big = "{\"prompt\": \"" + "x".repeat(4096) + "\"}";
    HttpResponse<String> tooLarge = api.post("/v1/tasks", big);
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(ApiClient.json(tooLarge).path("error").asText()).contains("2048 bytes");

    assertThat(api.post("/v1/tasks", "{}").statusCode()).isEqualTo(400);
    HttpResponse<String> limited = api.post("/v1/tasks", "{}");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(1L, 60L);
    // Each key has its own bucket.
    assertThat(api.withKey(TestNetwork.OTHER_KEY).post("/v1/tasks", "{}").statusCode())
        .isEqualTo(400);
  }

  @Test
  void aTaskOnChainCompletesAcrossARestart() throws Exception {
    BridgeConfig config = net.bridgeConfig("restart");
    net.nodes.hold();
    Bridge first = bridge(config);
    ApiClient api = new ApiClient(first.port(), TestNetwork.APP_KEY);
    String id = api.create(task(1, 7));
    api.awaitStatus(id, "created");
    first.close();
    started.remove(first);

    ApiClient again = new ApiClient(bridge(config).port(), TestNetwork.APP_KEY);
    assertThat(again.task(id).path("status").asText()).isEqualTo("created");
    net.nodes.release();
    JsonNode done = again.awaitStatus(id, "succeeded");
    assertThat(done.path("attempts")).hasSize(1);
    assertThat(again.bytes(done.path("images").get(0).asText()).statusCode()).isEqualTo(200);
  }

  @Test
  void aCreateTaskSentJustBeforeAStopIsFoundAfterTheRestart() throws Exception {
    BridgeConfig config = net.bridgeConfig("submitting");
    ValidTask sent = Tasks.parse(task(1, 41).getBytes(StandardCharsets.UTF_8));
    ValidTask unsent = Tasks.parse(task(1, 42).getBytes(StandardCharsets.UTF_8));
    Chain chain = net.dev.chain();
    Files.createDirectories(config.dataDir());
    try (TaskStore store = TaskStore.open(config.dbUrl())) {
      long block = chain.blockNumber();
      store.insert("sent", "app", sent, 1L << 30);
      assertThat(store.claim("sent", block)).isTrue();
      store.insert("unsent", "app", unsent, 1L << 30);
      assertThat(store.claim("unsent", block)).isTrue();
    }
    // The stopped bridge's createTask for "sent", mined after it stopped.
    TransactionSender wallet = chain.sender(net.app);
    var deployment = net.dev.deployment();
    deployment.token(chain).approve(wallet, deployment.task(), TokenContract.cnx(1_000));
    BigInteger chainTask =
        deployment
            .task(chain)
            .createTask(wallet, Numeric.hexStringToByteArray(sent.hash()), new byte[32], 1L << 30)
            .taskId();

    ApiClient api = new ApiClient(bridge(config).port(), TestNetwork.APP_KEY);
    JsonNode found = api.awaitStatus("sent", "succeeded");
    assertThat(found.path("attempts")).hasSize(1);
    assertThat(found.path("chain_task_id").asText()).isEqualTo(chainTask.toString());
    JsonNode requeued = api.awaitStatus("unsent", "succeeded");
    assertThat(requeued.path("timeline").toString())
        .contains("the bridge stopped before the task was created on chain; queued again");
  }

  @Test
  void aBurstLargerThanTheFreeNodesQueuesAndAllFinish() throws Exception {
    ApiClient api = client();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(api.create(task(1, 100 + i)));
    }
    // Six nodes run two tasks at a time: the others wait in the queue, none fails.
    boolean queuedWhileBusy = false;
    java.time.Instant end = java.time.Instant.now().plusSeconds(90);
    while (true) {
      List<String> statuses = new ArrayList<>();
      for (String id : ids) {
        statuses.add(api.task(id).path("status").asText());
      }
      assertThat(statuses).doesNotContain("failed", "aborted", "cancelled");
      long onChain =
          statuses.stream().filter(s -> s.equals("created") || s.equals("running")).count();
      queuedWhileBusy |= onChain > 0 && statuses.contains("queued");
      if (statuses.stream().allMatch("succeeded"::equals)) {
        break;
      }
      assertThat(java.time.Instant.now()).isBefore(end);
      Thread.sleep(50);
    }
    assertThat(queuedWhileBusy).isTrue();
    for (String id : ids) {
      assertThat(api.task(id).path("images")).hasSize(1);
    }
  }

  @Test
  void disagreeingNodesMakeTheBridgeResubmitAndRefundsShow() throws Exception {
    ApiClient api = client();
    net.nodes.disagreeOnNext(1);
    String id = api.create(task(1, 21));
    JsonNode done = api.awaitStatus(id, "succeeded");
    assertThat(done.path("attempts")).hasSize(2);
    assertThat(done.path("refunded_wei").asText()).isEqualTo(FEE_WEI);
    assertThat(done.path("fee_paid_wei").asText()).isEqualTo(TokenContract.cnx(60).toString());
    assertThat(done.path("timeline").toString()).contains("no two nodes' results agree");
  }

  @Test
  void imagesThatNeverComeAreTimedOutAndTheTaskIsCreatedAgain() throws Exception {
    ApiClient api = client();
    net.nodes.withholdImagesOnNext(1);
    String id = api.create(task(1, 51));
    api.await(
        id,
        t ->
            t.path("progress")
                .path("message")
                .asText()
                .equals("results agree; waiting for the images"),
        Duration.ofSeconds(30));
    var tasks = net.dev.deployment().task(net.dev.chain());
    net.dev.chain().increaseTime(tasks.parameters().uploadTimeout().plusSeconds(1));
    JsonNode done = api.awaitStatus(id, "succeeded");
    assertThat(done.path("attempts")).hasSize(2);
    assertThat(done.path("timeline").toString())
        .contains("the result node did not upload the images in time; queued again");
    // The silent result node's fee share comes back.
    api.await(
        id,
        t -> t.path("refunded_wei").asText().equals(TokenContract.cnx(10).toString()),
        Duration.ofSeconds(10));
  }

  @Test
  void aTaskThatKeepsAbortingEndsAbortedWithTheReason() throws Exception {
    ApiClient api = client();
    net.nodes.disagreeOnNext(3);
    String id = api.create(task(1, 22));
    JsonNode done = api.awaitStatus(id, "aborted");
    assertThat(done.path("reason").asText()).isEqualTo("no two nodes' results agree");
    assertThat(done.path("attempts")).hasSize(3);
    assertThat(done.path("refunded_wei").asText()).isEqualTo(TokenContract.cnx(90).toString());
  }

  @Test
  void cancelQueuedAtOnceOnChainOnlyAfterTheDeadline() throws Exception {
    ApiClient api = client();
    net.nodes.hold();
    String a = api.create(task(1, 31));
    api.awaitStatus(a, "created");
    String b = api.create(task(1, 32));
    api.awaitStatus(b, "created");
    String c = api.create(task(1, 33));
    Thread.sleep(500);
    assertThat(api.task(c).path("status").asText()).isEqualTo("queued");

    HttpResponse<String> cancelled = api.delete("/v1/tasks/" + c);
    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(ApiClient.json(cancelled).path("status").asText()).isEqualTo("cancelled");

    HttpResponse<String> refused = api.delete("/v1/tasks/" + a);
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(ApiClient.json(refused).path("error").asText()).contains("deadline");

    var tasks = net.dev.deployment().task(net.dev.chain());
    net.dev.chain().increaseTime(tasks.parameters().commitTimeout().plusSeconds(1));
    HttpResponse<String> late = api.delete("/v1/tasks/" + a);
    assertThat(late.statusCode()).isEqualTo(200);
    JsonNode view = ApiClient.json(late);
    assertThat(view.path("status").asText()).isEqualTo("cancelled");
    api.await(a, t -> t.path("refunded_wei").asText().equals(FEE_WEI), Duration.ofSeconds(10));
    assertThat(api.delete("/v1/tasks/" + a).statusCode()).isEqualTo(409);

    // b timed out too: the bridge times it out itself and creates it again once nodes are back.
    net.nodes.release();
    api.await(
        b,
        t -> t.path("timeline").toString().contains("a node did not commit its result in time"),
        Duration.ofSeconds(30));
    net.nodes.rejoin();
    JsonNode done = api.awaitStatus(b, "succeeded");
    assertThat(done.path("attempts")).hasSize(2);
    assertThat(done.path("refunded_wei").asText()).isEqualTo(FEE_WEI);
  }
}
