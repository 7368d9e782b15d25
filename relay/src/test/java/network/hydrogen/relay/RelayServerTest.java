package network.hydrogen.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.Deployer;
import network.hydrogen.chain.HardhatNode;
import network.hydrogen.chain.NodeContract;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.TransactionSender;
import network.hydrogen.engine.image.PerceptualHash;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/** Real HTTP against a relay on 127.0.0.1, checked against contracts on a local Hardhat chain. */
class RelayServerTest {
  private static final long GIB = 1L << 30;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static HardhatNode hardhat;
  private static Chain chain;
  private static List<Credentials> accounts;
  private static TransactionSender owner;
  private static TokenContract token;
  private static NodeContract nodes;
  private static TaskContract tasks;
  private static int nextAccount = 1;
  private static final java.util.Map<String, Credentials> joined = new java.util.HashMap<>();
  private static String taskJson;
  private static ValidTask validTask;

  @TempDir Path dir;
  private RelayServer relay;
  private URI base;

  @BeforeAll
  static void startChain() throws Exception {
    Path contracts = HardhatNode.locateContractsDir().orElseThrow();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    hardhat = HardhatNode.start(contracts, port, 80, Duration.ofSeconds(60));
    chain =
        Chain.connect(
            hardhat.rpcUrl(), new Chain.Options(Duration.ofSeconds(30), Duration.ofMillis(20), 2));
    accounts = hardhat.accounts();
    owner = chain.sender(accounts.get(0));
    var deployment =
        Deployer.deploy(chain, owner, hardhat.rpcUrl(), TokenContract.cnx(1_000_000)).deployment();
    token = deployment.token(chain);
    nodes = deployment.node(chain);
    tasks = deployment.task(chain);
    token.approve(owner, tasks.address(), TokenContract.cnx(100_000));
    try (InputStream in = RelayServerTest.class.getResourceAsStream("/txt2img.json")) {
      taskJson = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    validTask = Tasks.parse(taskJson.getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stopChain() {
    chain.close();
    hardhat.close();
  }

  @BeforeEach
  void startRelay() throws IOException {
    relay = RelayServer.start(config(), tasks);
    base = URI.create("http://127.0.0.1:" + relay.port());
  }

  @AfterEach
  void stopRelay() {
    relay.close();
  }

  private RelayConfig config() {
    return RelayConfig.defaults(dir.resolve("relay"), hardhat.rpcUrl(), tasks.address())
        .withPort(0)
        .withLimits(64 * 1024, 2 << 20, 4, 1024);
  }

  /** A created task: its id, the three selected nodes' wallets (round order). */
  private record Created(BigInteger id, List<Credentials> nodes) {}

  private static synchronized Created createTask(String taskHash) {
    for (int i = 0; i < 3; i++) {
      Credentials c = accounts.get(nextAccount++);
      TransactionSender node = chain.sender(c);
      BigInteger stake = nodes.stakeAmount();
      token.transfer(owner, c.getAddress(), stake);
      token.approve(node, nodes.address(), stake);
      nodes.join(node, "Test GPU", 8 * GIB);
      joined.put(c.getAddress().toLowerCase(java.util.Locale.ROOT), c);
    }
    TaskContract.CreatedTask t =
        tasks.createTask(owner, Numeric.hexStringToByteArray(taskHash), new byte[32], 4 * GIB);
    return new Created(t.taskId(), t.nodes().stream().map(joined::get).toList());
  }

  /** All three nodes commit and disclose {@code result}; returns the result node's wallet. */
  private static Credentials succeed(Created task, TaskResult result) {
    List<byte[]> nonces = new ArrayList<>();
    for (Credentials node : task.nodes()) {
      byte[] nonce = new byte[32];
      RANDOM.nextBytes(nonce);
      nonces.add(nonce);
      tasks.commit(chain.sender(node), task.id(), TaskContract.commitment(result, nonce));
    }
    for (int i = 0; i < 3; i++) {
      tasks.disclose(chain.sender(task.nodes().get(i)), task.id(), result, nonces.get(i));
    }
    return task.nodes().get(tasks.state(task.id()).resultIndex());
  }

  private Path image(int seed) throws IOException {
    BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
    java.util.Random r = new java.util.Random(seed);
    int blocks = 8;
    for (int by = 0; by < blocks; by++) {
      for (int bx = 0; bx < blocks; bx++) {
        int v = r.nextInt(256);
        for (int y = by * 32; y < by * 32 + 32; y++) {
          for (int x = bx * 32; x < bx * 32 + 32; x++) {
            img.setRGB(x, y, (v << 16) | (v << 8) | v);
          }
        }
      }
    }
    Path file = dir.resolve("image-" + seed + ".png");
    ImageIO.write(img, "png", file.toFile());
    return file;
  }

  private static long phash(Path file) {
    try {
      return PerceptualHash.of(ImageIO.read(file.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private RelayClient client(Credentials wallet) {
    return new RelayClient(base, wallet);
  }

  private static Credentials stranger() throws Exception {
    return Credentials.create(Keys.createEcKeyPair());
  }

  private static int status(Throwable t) {
    return ((RelayException) t).status();
  }

  @Test
  void goodPathArgsThenResultsThenDownload() throws Exception {
    Created task = createTask(validTask.hash());
    client(accounts.get(0)).uploadArgs(task.id(), taskJson);
    for (Credentials node : task.nodes()) {
      assertThat(client(node).readArgs(task.id())).isEqualTo(validTask.canonicalJson());
    }
    List<Path> images = List.of(image(1), image(2));
    Credentials resultNode =
        succeed(
            task, new TaskResult.ImageHashes(images.stream().mapToLong(p -> phash(p)).toArray()));
    client(resultNode).uploadResults(task.id(), images);
    for (int i = 0; i < 2; i++) {
      Path out = dir.resolve("download-" + i + ".png");
      client(accounts.get(0)).downloadResult(task.id(), i, out);
      assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(images.get(i)));
    }
    assertThatThrownBy(() -> client(accounts.get(0)).downloadResult(task.id(), 2, dir.resolve("x")))
        .satisfies(e -> assertThat(status(e)).isEqualTo(404));
  }

  @Test
  void wrongSignersAreRefused() throws Exception {
    Created task = createTask(validTask.hash());
    assertThatThrownBy(() -> client(task.nodes().get(0)).uploadArgs(task.id(), taskJson))
        .satisfies(e -> assertThat(status(e)).isEqualTo(403))
        .hasMessageContaining("only the task's creator");
    client(accounts.get(0)).uploadArgs(task.id(), taskJson);
    assertThatThrownBy(() -> client(stranger()).readArgs(task.id()))
        .satisfies(e -> assertThat(status(e)).isEqualTo(403))
        .hasMessageContaining("not a selected node");
    assertThatThrownBy(() -> client(accounts.get(0)).readArgs(task.id()))
        .satisfies(e -> assertThat(status(e)).isEqualTo(403));

    List<Path> images = List.of(image(3));
    Credentials resultNode =
        succeed(task, new TaskResult.ImageHashes(new long[] {phash(images.get(0))}));
    Credentials other =
        task.nodes().stream().filter(n -> n != resultNode).findFirst().orElseThrow();
    assertThatThrownBy(() -> client(other).uploadResults(task.id(), images))
        .satisfies(e -> assertThat(status(e)).isEqualTo(403))
        .hasMessageContaining("only the result node");
    client(resultNode).uploadResults(task.id(), images);
    assertThatThrownBy(() -> client(resultNode).downloadResult(task.id(), 0, dir.resolve("x")))
        .satisfies(e -> assertThat(status(e)).isEqualTo(403));
  }

  private HttpResponse<String> rawPost(String path, byte[] signedBody, byte[] sentBody, long ts)
      throws Exception {
    String sig =
        RequestSignature.sign(
            accounts.get(0), "POST", path, ts, "test-nonce-1", Keccak.of(signedBody));
    return rawSend(
        HttpRequest.newBuilder(base.resolve(path))
            .header(RequestSignature.TIMESTAMP_HEADER, Long.toString(ts))
            .header(RequestSignature.NONCE_HEADER, "test-nonce-1")
            .header(RequestSignature.SIGNATURE_HEADER, sig)
            .POST(HttpRequest.BodyPublishers.ofByteArray(sentBody))
            .build());
  }

  private static HttpResponse<String> rawSend(HttpRequest request) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
  }

  private static byte[] argsBody(BigInteger id, String json) {
    return ("{\"task_id\":\"" + id + "\",\"task_args\":" + quote(json) + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void tamperedBodyStaleTimestampAndReplayAreRefused() throws Exception {
    Created task = createTask(validTask.hash());
    Created other = createTask(validTask.hash());
    String path = "/v1/inference_tasks";
    byte[] body = argsBody(task.id(), taskJson);
    // Signed for one task, sent for another: the signature recovers some other address.
    HttpResponse<String> tampered =
        rawPost(path, body, argsBody(other.id(), taskJson), RequestSignature.now());
    assertThat(tampered.statusCode()).as(tampered.body()).isEqualTo(403);
    HttpResponse<String> stale = rawPost(path, body, body, RequestSignature.now() - 120);
    assertThat(stale.statusCode()).isEqualTo(401);
    assertThat(stale.body()).contains("stale timestamp");
    HttpResponse<String> future = rawPost(path, body, body, RequestSignature.now() + 120);
    assertThat(future.statusCode()).isEqualTo(401);

    client(accounts.get(0)).uploadArgs(task.id(), taskJson);
    String getPath = "/v1/inference_tasks/" + task.id();
    long ts = RequestSignature.now();
    String sig =
        RequestSignature.sign(
            task.nodes().get(0), "GET", getPath, ts, "test-nonce-2", Keccak.of(new byte[0]));
    HttpRequest get =
        HttpRequest.newBuilder(base.resolve(getPath))
            .header(RequestSignature.TIMESTAMP_HEADER, Long.toString(ts))
            .header(RequestSignature.NONCE_HEADER, "test-nonce-2")
            .header(RequestSignature.SIGNATURE_HEADER, sig)
            .GET()
            .build();
    assertThat(rawSend(get).statusCode()).isEqualTo(200);
    HttpResponse<String> replay = rawSend(get);
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(replay.body()).contains("replayed");
    HttpResponse<String> unsigned =
        rawSend(HttpRequest.newBuilder(base.resolve(getPath)).GET().build());
    assertThat(unsigned.statusCode()).isEqualTo(401);
  }

  @Test
  void argsMustMatchTheOnChainHashAndAreWrittenOnce() throws Exception {
    Created task = createTask(validTask.hash());
    String changed = taskJson.replace("\"seed\": 42", "\"seed\": 43");
    assertThat(changed).isNotEqualTo(taskJson);
    assertThatThrownBy(() -> client(accounts.get(0)).uploadArgs(task.id(), changed))
        .satisfies(e -> assertThat(status(e)).isEqualTo(400))
        .hasMessageContaining("does not match the task hash on chain");
    client(accounts.get(0)).uploadArgs(task.id(), taskJson);
    assertThatThrownBy(() -> client(accounts.get(0)).uploadArgs(task.id(), taskJson))
        .satisfies(e -> assertThat(status(e)).isEqualTo(409));
    assertThatThrownBy(
            () -> client(accounts.get(0)).uploadArgs(BigInteger.valueOf(999_999), taskJson))
        .satisfies(e -> assertThat(status(e)).isEqualTo(404));
  }

  @Test
  void oversizedAndTruncatedBodiesAreRefused() throws Exception {
    Created task = createTask(validTask.hash());
    byte[] huge = new byte[128 * 1024];
    java.util.Arrays.fill(huge, (byte) ' ');
    HttpResponse<String> big = rawPost("/v1/inference_tasks", huge, huge, RequestSignature.now());
    assertThat(big.statusCode()).isEqualTo(413);

    List<Path> images = List.of(image(4));
    Credentials resultNode =
        succeed(task, new TaskResult.ImageHashes(new long[] {phash(images.get(0))}));
    String path = "/v1/inference_tasks/" + task.id() + "/results";
    byte[] png = Files.readAllBytes(images.get(0));
    String head =
        "--b\r\nContent-Disposition: form-data; name=\"images\"; filename=\"0.png\"\r\n"
            + "Content-Type: image/png\r\n\r\n";
    byte[] truncated = new byte[head.length() + png.length / 2];
    System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, truncated, 0, head.length());
    System.arraycopy(png, 0, truncated, head.length(), png.length / 2);
    long ts = RequestSignature.now();
    HttpResponse<String> cut =
        rawSend(
            HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "multipart/form-data; boundary=b")
                .header(RequestSignature.TIMESTAMP_HEADER, Long.toString(ts))
                .header(RequestSignature.NONCE_HEADER, "test-nonce-3")
                .header(
                    RequestSignature.SIGNATURE_HEADER,
                    RequestSignature.sign(
                        resultNode, "POST", path, ts, "test-nonce-3", Keccak.of(Keccak.of(png))))
                .POST(HttpRequest.BodyPublishers.ofByteArray(truncated))
                .build());
    assertThat(cut.statusCode()).isEqualTo(400);
    assertThat(cut.body()).contains("multipart");

    Path tooBig = dir.resolve("big.png");
    Files.write(tooBig, new byte[(2 << 20) + 1]);
    assertThatThrownBy(() -> client(resultNode).uploadResults(task.id(), List.of(tooBig)))
        .satisfies(e -> assertThat(status(e)).isEqualTo(413));
    assertThatThrownBy(
            () ->
                client(resultNode)
                    .uploadResults(task.id(), java.util.Collections.nCopies(5, images.get(0))))
        .satisfies(e -> assertThat(status(e)).isEqualTo(413))
        .hasMessageContaining("limit of 4");
    Path wide = dir.resolve("wide.png");
    ImageIO.write(new BufferedImage(1100, 8, BufferedImage.TYPE_INT_RGB), "png", wide.toFile());
    assertThatThrownBy(() -> client(resultNode).uploadResults(task.id(), List.of(wide)))
        .satisfies(e -> assertThat(status(e)).isEqualTo(413))
        .hasMessageContaining("1100x8");
    client(resultNode).uploadResults(task.id(), images);
  }

  @Test
  void imagesWhosePhashDoesNotMatchAreRefused() throws Exception {
    Created task = createTask(validTask.hash());
    Path honest = image(5);
    Path fake = image(6);
    assertThat(PerceptualHash.distance(phash(honest), phash(fake)))
        .isGreaterThan(tasks.parameters().distanceThreshold());
    Credentials resultNode = succeed(task, new TaskResult.ImageHashes(new long[] {phash(honest)}));
    assertThatThrownBy(() -> client(resultNode).uploadResults(task.id(), List.of(fake)))
        .satisfies(e -> assertThat(status(e)).isEqualTo(400))
        .hasMessageContaining("pHash differs");
    assertThatThrownBy(() -> client(resultNode).uploadResults(task.id(), List.of(honest, honest)))
        .satisfies(e -> assertThat(status(e)).isEqualTo(400))
        .hasMessageContaining("on-chain result has 1");
    client(resultNode).uploadResults(task.id(), List.of(honest));
    assertThatThrownBy(() -> client(resultNode).uploadResults(task.id(), List.of(honest)))
        .satisfies(e -> assertThat(status(e)).isEqualTo(409));
  }

  @Test
  void nothingIsLostOnRestart() throws Exception {
    Created task = createTask(validTask.hash());
    client(accounts.get(0)).uploadArgs(task.id(), taskJson);
    Path img = image(7);
    Credentials resultNode = succeed(task, new TaskResult.ImageHashes(new long[] {phash(img)}));
    client(resultNode).uploadResults(task.id(), List.of(img));
    relay.close();
    relay = RelayServer.start(config(), tasks);
    base = URI.create("http://127.0.0.1:" + relay.port());
    assertThat(client(task.nodes().get(1)).readArgs(task.id()))
        .isEqualTo(validTask.canonicalJson());
    Path out = dir.resolve("after-restart.png");
    client(accounts.get(0)).downloadResult(task.id(), 0, out);
    assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(img));
  }

  @Test
  void concurrentUploadsStoreEachOnceAndOnlyOnce() throws Exception {
    List<Created> created = new ArrayList<>();
    List<Path> images = new ArrayList<>();
    List<Credentials> resultNodes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Created t = createTask(validTask.hash());
      Path img = image(10 + i);
      created.add(t);
      images.add(img);
      resultNodes.add(succeed(t, new TaskResult.ImageHashes(new long[] {phash(img)})));
    }
    try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int k = i;
        for (int copy = 0; copy < 3; copy++) {
          results.add(
              pool.submit(
                  () -> {
                    try {
                      client(resultNodes.get(k))
                          .uploadResults(created.get(k).id(), List.of(images.get(k)));
                      return 201;
                    } catch (RelayException e) {
                      return e.status();
                    }
                  }));
        }
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> f : results) {
        statuses.add(f.get());
      }
      assertThat(statuses).filteredOn(s -> s == 201).hasSize(4);
      assertThat(statuses).filteredOn(s -> s == 409).hasSize(8);
    }
    for (int i = 0; i < 4; i++) {
      Path out = dir.resolve("concurrent-" + i + ".png");
      client(accounts.get(0)).downloadResult(created.get(i).id(), 0, out);
      assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(images.get(i)));
    }
  }

  @Test
  void aLargeUploadDoesNotGrowTheRelayHeap() throws Exception {
    relay.close();
    relay = RelayServer.start(config().withLimits(64 * 1024, 32 << 20, 4, 1024), tasks);
    base = URI.create("http://127.0.0.1:" + relay.port());
    Path small = image(7);
    long size = 24L << 20;
    Path large = dir.resolve("large.png");
    RelayBenchmark.padPng(small, large, size);
    assertThat(Files.size(large)).isEqualTo(size);
    Created task = createTask(validTask.hash());
    Credentials resultNode = succeed(task, new TaskResult.ImageHashes(new long[] {phash(small)}));
    long before = RelayBenchmark.usedHeapAfterGc();
    client(resultNode).uploadResults(task.id(), List.of(large));
    long growth = RelayBenchmark.usedHeapAfterGc() - before;
    assertThat(growth).isLessThan(size / 2);
    Path out = dir.resolve("large-download.png");
    client(accounts.get(0)).downloadResult(task.id(), 0, out);
    assertThat(Files.mismatch(out, large)).isEqualTo(-1);
  }

  @Test
  void healthMetricsAndOpenApiAreServed() throws Exception {
    HttpResponse<String> health = rawSend(HttpRequest.newBuilder(base.resolve("/health")).build());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("ok");
    HttpResponse<String> api =
        rawSend(HttpRequest.newBuilder(base.resolve("/openapi.json")).build());
    assertThat(api.body()).contains("/v1/inference_tasks/{task_id}/results/{image_num}");
    Created task = createTask(validTask.hash());
    client(accounts.get(0)).uploadArgs(task.id(), taskJson);
    List<Path> images = List.of(image(1), image(2));
    Credentials resultNode =
        succeed(
            task, new TaskResult.ImageHashes(images.stream().mapToLong(p -> phash(p)).toArray()));
    client(resultNode).uploadResults(task.id(), images);
    long written =
        validTask.canonicalBytes().length + Files.size(images.get(0)) + Files.size(images.get(1));
    HttpResponse<String> metrics =
        rawSend(HttpRequest.newBuilder(base.resolve("/metrics")).build());
    assertThat(metrics.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
    assertThat(metrics.body())
        .contains("hydrogen_relay_requests_total{route=\"/health\",status=\"200\"} 1")
        .contains("hydrogen_relay_requests_total{route=\"/v1/inference_tasks\",status=\"201\"} 1")
        .contains(
            "hydrogen_relay_request_duration_seconds_count{route=\"/v1/inference_tasks/{task_id}/results\",status=\"201\"} 1")
        .contains("hydrogen_relay_args_stored_total 1")
        .contains("hydrogen_relay_results_stored_total 2")
        .contains("hydrogen_relay_written_bytes_total " + written)
        .containsPattern("jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"} [0-9]");
  }
}
