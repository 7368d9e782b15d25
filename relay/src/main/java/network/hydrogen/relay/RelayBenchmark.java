package network.hydrogen.relay;

import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.DevChain;
import network.hydrogen.chain.NodeContract;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.TransactionSender;
import network.hydrogen.engine.image.PerceptualHash;
import org.web3j.crypto.Credentials;

/**
 * Measures the relay over real HTTP: {@code clients} concurrent result uploads of a ~1 MiB PNG (one
 * per task, each task brought to SUCCESS on a local Hardhat chain first), then {@code clients}
 * concurrent clients each downloading {@code rounds} times; prints throughput, p50/p99 latency and
 * the JVM's peak heap (relay and clients share the JVM). Then it uploads the same image padded to 1
 * MiB and to 16 MiB and reports the heap the relay keeps after each (used heap after a full GC,
 * minus the same before), which must not grow with the body size.
 */
public final class RelayBenchmark {
  private static final long VRAM = 8L << 30;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long[] PADDED_SIZES = {1L << 20, 16L << 20};
  private static final int PADDED_UPLOADS = 4;

  /** Latencies in milliseconds of the uploads and the downloads, and the peak heap in bytes. */
  public record Result(
      int clients,
      long imageBytes,
      double uploadSeconds,
      double[] uploadMillis,
      double downloadSeconds,
      double[] downloadMillis,
      long peakHeapBytes,
      long[] paddedBytes,
      long[] heapGrowthBytes) {
    public String report() {
      return String.format(
              Locale.ROOT, "image %,d bytes, %d concurrent clients%n", imageBytes, clients)
          + line("uploads", uploadMillis, uploadSeconds)
          + line("downloads", downloadMillis, downloadSeconds)
          + String.format(
              Locale.ROOT, "peak heap (relay + clients): %.1f MiB%n", peakHeapBytes / 1048576.0)
          + String.format(
              Locale.ROOT,
              "relay heap growth after %d uploads of %.0f MiB: %.1f MiB; of %.0f MiB: %.1f MiB%n",
              PADDED_UPLOADS,
              paddedBytes[0] / 1048576.0,
              heapGrowthBytes[0] / 1048576.0,
              paddedBytes[1] / 1048576.0,
              heapGrowthBytes[1] / 1048576.0);
    }

    private static String line(String what, double[] millis, double seconds) {
      double[] sorted = millis.clone();
      Arrays.sort(sorted);
      return String.format(
          Locale.ROOT,
          "%-9s %6d in %6.2f s = %8.1f/s   p50 %7.1f ms   p99 %7.1f ms%n",
          what,
          sorted.length,
          seconds,
          sorted.length / seconds,
          percentile(sorted, 0.50),
          percentile(sorted, 0.99));
    }

    private static double percentile(double[] sorted, double p) {
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
  }

  private RelayBenchmark() {}

  /** Starts a chain on {@code port} and a relay, runs the benchmark, stops both. */
  public static Result run(Path contractsDir, int port, int clients, int rounds)
      throws IOException, InterruptedException {
    if (clients < 1 || rounds < 1) {
      throw new IllegalArgumentException("clients and rounds must be at least 1");
    }
    Path work = Files.createTempDirectory("hydrogen-relay-bench");
    int taskCount = clients + PADDED_SIZES.length * PADDED_UPLOADS;
    int nodeCount = taskCount + 5;
    try (DevChain dev =
            DevChain.start(contractsDir, port, nodeCount, TokenContract.cnx(10_000), null);
        Chain chain =
            Chain.connect(
                dev.node().rpcUrl(),
                new Chain.Options(Duration.ofSeconds(60), Duration.ofMillis(5), 3))) {
      Deployment d = dev.deployment();
      TokenContract token = d.token(chain);
      NodeContract nodes = d.node(chain);
      TaskContract tasks = d.task(chain);
      List<Credentials> keys = dev.node().accounts();
      Map<String, Credentials> byAddress = new HashMap<>();
      for (int i = 1; i <= nodeCount; i++) {
        TransactionSender node = chain.sender(keys.get(i));
        token.approve(node, nodes.address(), nodes.stakeAmount());
        nodes.join(node, "Bench GPU", VRAM);
        byAddress.put(node.address().toLowerCase(Locale.ROOT), keys.get(i));
      }
      Credentials creator = keys.get(0);
      TransactionSender owner = chain.sender(creator);
      token.approve(owner, tasks.address(), TokenContract.cnx(1_000_000));
      Path image = work.resolve("image.png");
      writeNoise(image, 600);
      TaskResult result =
          new TaskResult.ImageHashes(new long[] {PerceptualHash.of(ImageIO.read(image.toFile()))});
      Path small = work.resolve("small.png");
      writeNoise(small, 128);
      TaskResult smallResult =
          new TaskResult.ImageHashes(new long[] {PerceptualHash.of(ImageIO.read(small.toFile()))});
      List<BigInteger> ids = new ArrayList<>();
      List<Credentials> resultNodes = new ArrayList<>();
      for (int t = 0; t < taskCount; t++) {
        TaskResult taskResult = t < clients ? result : smallResult;
        byte[] hash = new byte[32];
        RANDOM.nextBytes(hash);
        TaskContract.CreatedTask task = tasks.createTask(owner, hash, new byte[32], VRAM);
        byte[][] nonces = new byte[3][32];
        for (int i = 0; i < 3; i++) {
          RANDOM.nextBytes(nonces[i]);
          tasks.commit(
              chain.sender(byAddress.get(task.nodes().get(i))),
              task.taskId(),
              TaskContract.commitment(taskResult, nonces[i]));
        }
        for (int i = 0; i < 3; i++) {
          tasks.disclose(
              chain.sender(byAddress.get(task.nodes().get(i))),
              task.taskId(),
              taskResult,
              nonces[i]);
        }
        ids.add(task.taskId());
        resultNodes.add(byAddress.get(task.nodes().get(tasks.state(task.taskId()).resultIndex())));
      }
      RelayConfig config =
          RelayConfig.defaults(work.resolve("relay"), dev.node().rpcUrl(), tasks.address())
              .withPort(0);
      config =
          config.withLimits(
              config.maxArgsBytes(), 32L << 20, config.maxImages(), config.maxImageSide());
      try (RelayServer relay = RelayServer.start(config, tasks);
          ExecutorService pool = Executors.newFixedThreadPool(clients)) {
        URI base = URI.create("http://127.0.0.1:" + relay.port());
        System.gc();
        resetPeaks();
        List<Callable<Double>> uploads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
          RelayClient client = new RelayClient(base, resultNodes.get(t));
          BigInteger id = ids.get(t);
          uploads.add(timed(() -> client.uploadResults(id, List.of(image))));
        }
        long start = System.nanoTime();
        double[] up = runAll(pool, uploads);
        double upSeconds = (System.nanoTime() - start) / 1e9;
        List<Callable<Double>> downloads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
          RelayClient client = new RelayClient(base, creator);
          BigInteger id = ids.get(t);
          for (int r = 0; r < rounds; r++) {
            Path target = work.resolve("download-" + t + "-" + r + ".png");
            downloads.add(timed(() -> client.downloadResult(id, 0, target)));
          }
        }
        start = System.nanoTime();
        double[] down = runAll(pool, downloads);
        double downSeconds = (System.nanoTime() - start) / 1e9;
        long peak = peakHeap();
        long[] growth = new long[PADDED_SIZES.length];
        for (int k = 0; k < PADDED_SIZES.length; k++) {
          Path padded = work.resolve("padded-" + k + ".png");
          padPng(small, padded, PADDED_SIZES[k]);
          long before = usedHeapAfterGc();
          for (int u = 0; u < PADDED_UPLOADS; u++) {
            int t = clients + k * PADDED_UPLOADS + u;
            new RelayClient(base, resultNodes.get(t)).uploadResults(ids.get(t), List.of(padded));
          }
          growth[k] = usedHeapAfterGc() - before;
        }
        return new Result(
            clients,
            Files.size(image),
            upSeconds,
            up,
            downSeconds,
            down,
            peak,
            PADDED_SIZES.clone(),
            growth);
      }
    } finally {
      Store.deleteTree(work);
    }
  }

  private interface Call {
    void run() throws IOException;
  }

  private static Callable<Double> timed(Call call) {
    return () -> {
      long t0 = System.nanoTime();
      call.run();
      return (System.nanoTime() - t0) / 1e6;
    };
  }

  private static double[] runAll(ExecutorService pool, List<Callable<Double>> calls)
      throws InterruptedException {
    List<Future<Double>> futures = pool.invokeAll(calls);
    double[] out = new double[futures.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = futures.get(i).get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("a benchmark request failed: " + e.getCause(), e);
      }
    }
    return out;
  }

  private static void writeNoise(Path file, int side) throws IOException {
    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        img.setRGB(x, y, RANDOM.nextInt(1 << 24));
      }
    }
    ImageIO.write(img, "png", file.toFile());
  }

  /**
   * Writes {@code source} (a PNG) to {@code target} with a private ancillary chunk after the header
   * that pads it to {@code size} bytes: a valid PNG of that size whose pixels are the source's.
   */
  static void padPng(Path source, Path target, long size) throws IOException {
    byte[] png = Files.readAllBytes(source);
    int headerEnd = 8 + 25; // the signature, then the IHDR chunk
    long padding = size - png.length - 12;
    if (padding < 0 || padding > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "cannot pad a PNG of " + png.length + " bytes to " + size + " bytes");
    }
    byte[] type = "hyPd".getBytes(StandardCharsets.US_ASCII);
    byte[] data = new byte[(int) padding];
    CRC32 crc = new CRC32();
    crc.update(type);
    crc.update(data);
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target));
        DataOutputStream d = new DataOutputStream(out)) {
      d.write(png, 0, headerEnd);
      d.writeInt(data.length);
      d.write(type);
      d.write(data);
      d.writeInt((int) crc.getValue());
      d.write(png, headerEnd, png.length - headerEnd);
    }
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
