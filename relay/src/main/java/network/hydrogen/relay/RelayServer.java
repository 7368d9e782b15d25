package network.hydrogen.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import network.hydrogen.chain.ContractEvent;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.chain.TaskState;
import network.hydrogen.chain.TaskStatus;
import network.hydrogen.engine.image.PerceptualHash;
import network.hydrogen.task.InvalidTaskException;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's HTTP server: task args written once by the task's creator and read by its selected
 * nodes; result images written once by the chosen result node (checked against the on-chain
 * pHashes) and read by the creator. Every private request is signed (see {@link RequestSignature}).
 */
public final class RelayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RelayServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ARGS_PATH = "/v1/inference_tasks";
  private static final String REQUEST_START = "hydrogen.relay.start";

  private final RelayConfig config;
  private final TaskContract tasks;
  private final Store store;
  private final RelayMetrics metrics = new RelayMetrics();
  private final Javalin app;
  private final ScheduledExecutorService cleaner;

  private RelayServer(RelayConfig config, TaskContract tasks, Store store) {
    this.config = config;
    this.tasks = tasks;
    this.store = store;
    Path multipartCache = config.dataDir().resolve("tmp");
    this.app =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.http.maxRequestSize = config.maxArgsBytes();
              cfg.jetty.multipartConfig.cacheDirectory(multipartCache.toString());
              cfg.jetty.multipartConfig.maxFileSize(config.maxImageBytes(), SizeUnit.BYTES);
              cfg.jetty.multipartConfig.maxInMemoryFileSize(64, SizeUnit.KB);
              cfg.jetty.multipartConfig.maxTotalRequestSize(
                  config.maxImageBytes() * config.maxImages() + (1 << 16), SizeUnit.BYTES);
            });
    app.post(ARGS_PATH, this::uploadArgs);
    app.get(ARGS_PATH + "/{task_id}", this::readArgs);
    app.post(ARGS_PATH + "/{task_id}/results", this::uploadResults);
    app.get(ARGS_PATH + "/{task_id}/results/{image_num}", this::downloadResult);
    app.get("/health", ctx -> ctx.json(Map.of("status", "ok")));
    app.get("/metrics", ctx -> ctx.contentType(RelayMetrics.CONTENT_TYPE).result(metrics.scrape()));
    app.get(
        "/openapi.json",
        ctx ->
            ctx.contentType("application/json")
                .result(RelayServer.class.getResourceAsStream("openapi.json")));
    app.before(ctx -> ctx.attribute(REQUEST_START, System.nanoTime()));
    app.after(
        ctx -> {
          Long start = ctx.attribute(REQUEST_START);
          metrics.request(
              ctx.endpointHandlerPath(),
              ctx.statusCode(),
              start == null ? 0 : System.nanoTime() - start);
        });
    app.exception(
        RelayException.class,
        (e, ctx) -> ctx.status(e.status()).json(Map.of("error", e.getMessage())));
    this.cleaner =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "relay-retention");
              t.setDaemon(true);
              return t;
            });
  }

  /** Opens the store and starts serving on the configured host and port. */
  public static RelayServer start(RelayConfig config, TaskContract tasks) throws IOException {
    Store store = Store.open(config.dataDir());
    RelayServer server = new RelayServer(config, tasks, store);
    server.app.start(config.host(), config.port());
    long every = Math.max(1, Math.min(3600, config.retention().toSeconds() / 10));
    server.cleaner.scheduleWithFixedDelay(server::expire, every, every, TimeUnit.SECONDS);
    LOG.info("relay listening on {}:{}", config.host(), server.port());
    return server;
  }

  /** The port it listens on. */
  public int port() {
    return app.port();
  }

  /** Deletes what is older than the retention; returns the number of tasks' files deleted. */
  public int expire() {
    Instant now = Instant.now();
    try {
      int n =
          store.expire(
              now.minus(config.retention()), now.minus(config.clockSkew().multipliedBy(2)));
      if (n > 0) {
        LOG.info("retention: deleted the files of {} tasks", n);
      }
      return n;
    } catch (IOException | RuntimeException e) {
      LOG.warn("retention cleanup failed: {}", e.toString());
      return 0;
    }
  }

  private void uploadArgs(Context ctx) throws IOException {
    byte[] body = readLimited(ctx, config.maxArgsBytes(), "the task args body");
    String signer = authenticate(ctx, ARGS_PATH, Keccak.of(body));
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      throw new RelayException(400, "the body is not JSON: " + e.getMessage());
    }
    if (request == null
        || !request.hasNonNull("task_id")
        || !request.path("task_args").isTextual()) {
      throw new RelayException(
          400, "the body must be {\"task_id\": ..., \"task_args\": \"<task JSON>\"}");
    }
    BigInteger taskId = taskId(request.get("task_id").asText());
    List<ContractEvent.TaskCreated> created = created(taskId);
    String creator = created.getFirst().creator().toLowerCase(Locale.ROOT);
    if (!creator.equals(signer)) {
      throw new RelayException(
          403, "only the task's creator " + creator + " may upload its args, not " + signer);
    }
    ValidTask task;
    try {
      task = Tasks.parse(request.get("task_args").asText().getBytes(StandardCharsets.UTF_8));
    } catch (InvalidTaskException e) {
      throw new RelayException(400, "invalid task args: " + e.getMessage());
    }
    String onChain = created.getFirst().taskHash();
    if (!task.hash().equalsIgnoreCase(onChain)) {
      throw new RelayException(
          400,
          "the args hash " + task.hash() + " does not match the task hash on chain " + onChain);
    }
    if (store.hasArgs(taskId.toString())) {
      throw new RelayException(409, "the args of task " + taskId + " were uploaded already");
    }
    Path temp = store.newTemp();
    byte[] canonical = task.canonicalBytes();
    Files.write(temp, canonical);
    store.putArgs(taskId.toString(), signer, temp);
    metrics.argsStored(canonical.length);
    ctx.status(201).json(Map.of("task_id", taskId.toString(), "task_hash", task.hash()));
  }

  private void readArgs(Context ctx) throws IOException {
    BigInteger taskId = taskId(ctx.pathParam("task_id"));
    String signer = authenticate(ctx, ctx.path(), Keccak.of(new byte[0]));
    List<String> nodes =
        created(taskId).stream().map(c -> c.node().toLowerCase(Locale.ROOT)).toList();
    if (!nodes.contains(signer)) {
      throw new RelayException(403, signer + " is not a selected node of task " + taskId);
    }
    Path file = store.argsFile(taskId.toString());
    if (!store.hasArgs(taskId.toString()) || !Files.exists(file)) {
      throw new RelayException(404, "the args of task " + taskId + " were not uploaded");
    }
    ctx.contentType("application/json").result(Files.newInputStream(file));
  }

  private void uploadResults(Context ctx) throws IOException {
    BigInteger taskId = taskId(ctx.pathParam("task_id"));
    List<UploadedFile> files;
    try {
      files = ctx.uploadedFiles("images");
    } catch (Exception e) { // Jetty's IOException, thrown undeclared through Javalin
      throw multipartError(e);
    }
    if (files.isEmpty()) {
      throw new RelayException(400, "the multipart body has no parts named images");
    }
    if (files.size() > config.maxImages()) {
      throw new RelayException(
          413, files.size() + " images are more than the limit of " + config.maxImages());
    }
    Path dir = store.newTemp();
    Files.createDirectories(dir);
    try {
      ByteArrayOutputStream hashes = new ByteArrayOutputStream();
      for (int i = 0; i < files.size(); i++) {
        try (InputStream in = files.get(i).content();
            OutputStream out = Files.newOutputStream(dir.resolve(i + ".png"))) {
          hashes.write(Keccak.copy(in, out, config.maxImageBytes(), "image " + i));
        } catch (IOException e) {
          throw multipartError(e);
        }
      }
      String signer = authenticate(ctx, ctx.path(), Keccak.of(hashes.toByteArray()));
      TaskState state = tasks.state(taskId);
      if (state.creator().equals("0x0000000000000000000000000000000000000000")) {
        throw new RelayException(404, "no task " + taskId + " on chain");
      }
      if (state.status() != TaskStatus.SUCCESS) {
        throw new RelayException(
            409, "task " + taskId + " has no agreed result (it is " + state.status() + ")");
      }
      String resultNode = state.nodes().get(state.resultIndex());
      if (!resultNode.equals(signer)) {
        throw new RelayException(
            403, "only the result node " + resultNode + " may upload the images, not " + signer);
      }
      TaskResult result =
          tasks
              .resultOf(taskId, state.resultIndex())
              .orElseThrow(() -> new RelayException(409, "the result node disclosed no result"));
      if (!(result instanceof TaskResult.ImageHashes expected)) {
        throw new RelayException(409, "task " + taskId + " ended with an error code, not images");
      }
      long[] want = expected.hashes();
      if (want.length != files.size()) {
        throw new RelayException(
            400, files.size() + " images uploaded, the on-chain result has " + want.length);
      }
      int threshold = tasks.parameters().distanceThreshold();
      for (int i = 0; i < want.length; i++) {
        long got = PerceptualHash.of(decode(dir.resolve(i + ".png"), i));
        int distance = PerceptualHash.distance(got, want[i]);
        if (distance > threshold) {
          throw new RelayException(
              400,
              "image "
                  + i
                  + ": its pHash differs from the on-chain result by "
                  + distance
                  + " bits (threshold "
                  + threshold
                  + ")");
        }
      }
      long bytes = 0;
      for (int i = 0; i < want.length; i++) {
        bytes += Files.size(dir.resolve(i + ".png"));
      }
      store.putResults(taskId.toString(), signer, dir, want.length);
      metrics.resultsStored(want.length, bytes);
      ctx.status(201).json(Map.of("task_id", taskId.toString(), "images", want.length));
    } finally {
      if (Files.exists(dir)) {
        Store.deleteTree(dir);
      }
    }
  }

  private void downloadResult(Context ctx) throws IOException {
    BigInteger taskId = taskId(ctx.pathParam("task_id"));
    String signer = authenticate(ctx, ctx.path(), Keccak.of(new byte[0]));
    int imageNum;
    try {
      imageNum = Integer.parseInt(ctx.pathParam("image_num"));
    } catch (NumberFormatException e) {
      throw new RelayException(400, "image_num is not a number: " + ctx.pathParam("image_num"));
    }
    TaskState state = tasks.state(taskId);
    if (!state.creator().equals(signer)) {
      throw new RelayException(
          403, "only the task's creator " + state.creator() + " may download, not " + signer);
    }
    OptionalInt count = store.resultCount(taskId.toString());
    if (count.isEmpty()) {
      throw new RelayException(404, "the results of task " + taskId + " were not uploaded");
    }
    if (imageNum < 0 || imageNum >= count.getAsInt()) {
      throw new RelayException(
          404,
          "task " + taskId + " has images 0 to " + (count.getAsInt() - 1) + ", not " + imageNum);
    }
    ctx.contentType("image/png")
        .result(Files.newInputStream(store.resultFile(taskId.toString(), imageNum)));
  }

  /** Checks the timestamp and the signature, refuses replays; returns the signer's address. */
  private String authenticate(Context ctx, String path, byte[] contentHash) {
    String ts = ctx.header(RequestSignature.TIMESTAMP_HEADER);
    String sig = ctx.header(RequestSignature.SIGNATURE_HEADER);
    String nonce = ctx.header(RequestSignature.NONCE_HEADER);
    if (ts == null || sig == null || nonce == null) {
      throw new RelayException(
          401,
          "the request must be signed: headers "
              + RequestSignature.TIMESTAMP_HEADER
              + ", "
              + RequestSignature.NONCE_HEADER
              + " and "
              + RequestSignature.SIGNATURE_HEADER);
    }
    long timestamp;
    try {
      timestamp = Long.parseLong(ts.strip());
    } catch (NumberFormatException e) {
      throw new RelayException(401, "the timestamp is not unix seconds: " + ts);
    }
    Instant now = Instant.now();
    if (Duration.between(Instant.ofEpochSecond(timestamp), now).abs().compareTo(config.clockSkew())
        > 0) {
      throw new RelayException(
          401,
          "stale timestamp "
              + timestamp
              + ": more than "
              + config.clockSkew().toSeconds()
              + " s from the relay's clock "
              + now.getEpochSecond());
    }
    if (nonce.length() < 8 || nonce.length() > 64) {
      throw new RelayException(401, "the nonce must be 8 to 64 characters");
    }
    String signer;
    try {
      signer =
          RequestSignature.recover(sig, ctx.method().name(), path, timestamp, nonce, contentHash);
    } catch (IllegalArgumentException e) {
      throw new RelayException(401, "bad signature: " + e.getMessage());
    }
    if (!store.useSignature(sig, now)) {
      throw new RelayException(401, "replayed request: this signature was used already");
    }
    return signer;
  }

  private List<ContractEvent.TaskCreated> created(BigInteger taskId) {
    List<ContractEvent.TaskCreated> created = tasks.created(taskId);
    if (created.isEmpty()) {
      throw new RelayException(404, "no task " + taskId + " on chain");
    }
    return created;
  }

  private BufferedImage decode(Path file, int index) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      var readers = ImageIO.getImageReaders(in);
      if (in == null || !readers.hasNext()) {
        throw new RelayException(400, "image " + index + " is not an image ImageIO can read");
      }
      ImageReader reader = readers.next();
      try {
        // Metadata is ignored so that ancillary chunks, however large, are skipped, not held.
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w > config.maxImageSide() || h > config.maxImageSide()) {
          throw new RelayException(
              413,
              "image " + index + " is " + w + "x" + h + ", larger than " + config.maxImageSide());
        }
        return reader.read(0);
      } catch (IOException e) {
        throw new RelayException(400, "image " + index + " cannot be decoded: " + e.getMessage());
      } finally {
        reader.dispose();
      }
    }
  }

  private static BigInteger taskId(String text) {
    try {
      BigInteger id = new BigInteger(text.strip());
      if (id.signum() < 0) {
        throw new NumberFormatException();
      }
      return id;
    } catch (NumberFormatException e) {
      throw new RelayException(400, "task_id is not a non-negative integer: " + text);
    }
  }

  private static byte[] readLimited(Context ctx, long limit, String what) throws IOException {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw new RelayException(413, what + " is larger than the limit of " + limit + " bytes");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Keccak.copy(ctx.req().getInputStream(), out, limit, what);
    return out.toByteArray();
  }

  private static RelayException multipartError(Exception e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("exceed") || m.contains("too large") || m.contains("Too large")) {
      return new RelayException(413, "the multipart body is over a size limit: " + m);
    }
    return new RelayException(400, "malformed or truncated multipart body: " + m);
  }

  @Override
  public void close() {
    cleaner.shutdownNow();
    app.stop();
    store.close();
  }
}
