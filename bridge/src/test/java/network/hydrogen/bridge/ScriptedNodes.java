package network.hydrogen.bridge;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.ContractEvent;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.EventWatcher;
import network.hydrogen.chain.NodeContract;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.TransactionSender;
import network.hydrogen.engine.image.PerceptualHash;
import network.hydrogen.relay.RelayClient;
import network.hydrogen.relay.RelayException;
import network.hydrogen.task.InvalidTaskException;
import network.hydrogen.task.TaskArgs;
import network.hydrogen.task.Tasks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;

/**
 * Test fixture standing in for the node daemon: wallets that join, and for each task the chain
 * gives them read its args from the relay, draw images (blocks of grey seeded by the task hash, no
 * inference), commit and disclose their pHashes, and, as result node, upload the images. They can
 * be held (they then act later, on {@link #release}), made to disagree, and made to withhold the
 * images.
 */
final class ScriptedNodes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScriptedNodes.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long VRAM = 24L << 30;

  /** What one node committed for one chain task. */
  private record Committed(TaskResult result, byte[] nonce, List<Path> images) {}

  private final Chain chain;
  private final TaskContract tasks;
  private final NodeContract nodes;
  private final TokenContract token;
  private final TransactionSender owner;
  private final URI relay;
  private final Path dir;
  private final Map<String, Credentials> wallets = new ConcurrentHashMap<>();
  private final Map<String, Committed> committed = new ConcurrentHashMap<>();
  private final ExecutorService worker = Executors.newSingleThreadExecutor();
  private final List<Runnable> held = new ArrayList<>();
  private final AtomicInteger disagreements = new AtomicInteger();
  private final AtomicInteger withheld = new AtomicInteger();
  private final Map<BigInteger, Boolean> disagreeing = new ConcurrentHashMap<>();
  private boolean holding;
  private final EventWatcher watcher;

  private ScriptedNodes(
      Chain chain,
      Deployment deployment,
      TransactionSender owner,
      URI relay,
      List<Credentials> accounts,
      Path dir) {
    this.chain = chain;
    this.tasks = deployment.task(chain);
    this.nodes = deployment.node(chain);
    this.token = deployment.token(chain);
    this.owner = owner;
    this.relay = relay;
    this.dir = dir;
    for (Credentials c : accounts) {
      wallets.put(c.getAddress().toLowerCase(Locale.ROOT), c);
    }
    rejoin();
    this.watcher =
        EventWatcher.start(
            chain,
            List.of(tasks.address()),
            chain.blockNumber(),
            Duration.ofMillis(50),
            Optional.empty(),
            e -> worker.execute(() -> act(e.event())));
  }

  /** Joins every account (funded by the chain's owner) and starts following the Task contract. */
  static ScriptedNodes start(
      Chain chain,
      Deployment deployment,
      TransactionSender owner,
      URI relay,
      List<Credentials> accounts,
      Path dir) {
    return new ScriptedNodes(chain, deployment, owner, relay, accounts, dir);
  }

  /** Joins again every node that is out (a timeout penalises and removes silent nodes). */
  void rejoin() {
    BigInteger stake = nodes.stakeAmount();
    for (Credentials c : wallets.values()) {
      if (nodes.statusOf(c.getAddress()) != NodeStatus.QUIT) {
        continue;
      }
      TransactionSender node = chain.sender(c);
      token.transfer(owner, c.getAddress(), stake);
      token.approve(node, nodes.address(), stake);
      nodes.join(node, "Scripted GPU", VRAM);
    }
  }

  /** From now on the nodes note what the chain asks but do nothing until {@link #release}. */
  synchronized void hold() {
    holding = true;
  }

  /** The nodes do what they were asked while held, and act at once again. */
  void release() {
    List<Runnable> pending;
    synchronized (this) {
      holding = false;
      pending = List.copyOf(held);
      held.clear();
    }
    pending.forEach(worker::execute);
  }

  /** The next {@code n} chain tasks get three different results (so they abort). */
  void disagreeOnNext(int n) {
    disagreements.set(n);
  }

  /** The result nodes of the next {@code n} successful chain tasks never upload the images. */
  void withholdImagesOnNext(int n) {
    withheld.set(n);
  }

  private void act(ContractEvent event) {
    synchronized (this) {
      if (holding) {
        held.add(() -> act(event));
        return;
      }
    }
    try {
      switch (event) {
        case ContractEvent.TaskCreated c when wallets.containsKey(c.node()) -> work(c);
        case ContractEvent.TaskResultCommitmentsReady r -> {
          for (String node : wallets.keySet()) {
            Committed mine = committed.get(r.taskId() + "/" + node);
            if (mine != null) {
              tasks.disclose(
                  chain.sender(wallets.get(node)), r.taskId(), mine.result(), mine.nonce());
            }
          }
        }
        case ContractEvent.TaskSuccess s when wallets.containsKey(s.resultNode()) -> {
          if (withheld.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return;
          }
          Credentials node = wallets.get(s.resultNode());
          Committed mine = committed.get(s.taskId() + "/" + s.resultNode());
          new RelayClient(relay, node).uploadResults(s.taskId(), mine.images());
          tasks.reportUploaded(chain.sender(node), s.taskId());
        }
        default -> {}
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("scripted node: {} failed: {}", event, e.toString());
    }
  }

  private void work(ContractEvent.TaskCreated c) throws IOException {
    Credentials node = wallets.get(c.node());
    boolean disagree =
        disagreeing.computeIfAbsent(
            c.taskId(), id -> disagreements.getAndUpdate(n -> Math.max(0, n - 1)) > 0);
    TaskArgs args;
    try {
      args = Tasks.parse(readArgs(node, c.taskId()).getBytes(StandardCharsets.UTF_8)).args();
    } catch (InvalidTaskException e) {
      throw new IllegalStateException("the relay served an invalid task", e);
    }
    int count = args.taskConfig().numImages();
    List<Path> images = new ArrayList<>();
    long[] hashes = new long[count];
    for (int i = 0; i < count; i++) {
      long seed = c.taskHash().hashCode() * 31L + i + (disagree ? 1000L * (c.round() + 1) : 0);
      BufferedImage img =
          draw(args.taskConfig().imageWidth(), args.taskConfig().imageHeight(), seed);
      Path file = Files.createTempFile(dir, "node-", ".png");
      ImageIO.write(img, "png", file.toFile());
      images.add(file);
      hashes[i] = PerceptualHash.of(img);
    }
    TaskResult result = new TaskResult.ImageHashes(hashes);
    byte[] nonce = new byte[32];
    RANDOM.nextBytes(nonce);
    committed.put(c.taskId() + "/" + c.node(), new Committed(result, nonce, images));
    tasks.commit(chain.sender(node), c.taskId(), TaskContract.commitment(result, nonce));
  }

  /** The args, once the bridge uploaded them (it does right after createTask). */
  private String readArgs(Credentials node, BigInteger taskId) throws IOException {
    RelayClient client = new RelayClient(relay, node);
    for (int tries = 0; ; tries++) {
      try {
        return client.readArgs(taskId);
      } catch (RelayException e) {
        if (e.status() != 404 || tries > 200) {
          throw e;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", ie);
        }
      }
    }
  }

  private static BufferedImage draw(int width, int height, long seed) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Random r = new Random(seed);
    int blocks = 8;
    for (int by = 0; by < blocks; by++) {
      for (int bx = 0; bx < blocks; bx++) {
        int v = r.nextInt(256);
        int rgb = (v << 16) | (v << 8) | v;
        for (int y = by * height / blocks; y < (by + 1) * height / blocks; y++) {
          for (int x = bx * width / blocks; x < (bx + 1) * width / blocks; x++) {
            img.setRGB(x, y, rgb);
          }
        }
      }
    }
    return img;
  }

  @Override
  public void close() {
    watcher.close();
    worker.shutdownNow();
  }
}
