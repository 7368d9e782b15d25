package network.hydrogen.node;

import static network.hydrogen.chain.TokenContract.cnx;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.Deployer;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.HardhatNode;
import network.hydrogen.chain.NodeContract;
import network.hydrogen.chain.NodePart;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.chain.TaskResult;
import network.hydrogen.chain.TaskState;
import network.hydrogen.chain.TaskStatus;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.TransactionSender;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.PerceptualHash;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.relay.RelayClient;
import network.hydrogen.relay.RelayConfig;
import network.hydrogen.relay.RelayServer;
import network.hydrogen.task.Tasks;
import network.hydrogen.task.ValidTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

/**
 * Three node daemons on a local Hardhat chain with a real relay, running tasks with the engine on
 * the tiny SD 1.5 reference model: success, a cheater, a bad task, pause and quit while busy, and a
 * node stopped mid-task and restarted from its data folder.
 */
class NodeDaemonTest {
  private static final Path REFERENCE =
      Path.of("../engine/src/test/resources/engine-reference/sd15/model");
  private static final long GIB = 1L << 30;
  private static final int CREATOR = 10;
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final String TASK =
      """
      {"base_model": "%s", "prompt": "a red fox in the snow",
       "task_config": {"num_images": 1, "steps": 2, "seed": %d,
                       "image_width": 64, "image_height": 64}}
      """;

  private static HardhatNode hardhat;
  private static Chain chain;
  private static List<Credentials> accounts;
  private static TransactionSender owner;

  @TempDir Path dir;
  private Deployment deployment;
  private TokenContract token;
  private NodeContract nodes;
  private TaskContract tasks;
  private RelayServer relay;
  private Path models;
  private final List<NodeDaemon> daemons = new ArrayList<>();

  @BeforeAll
  static void startChain() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    hardhat =
        HardhatNode.start(
            HardhatNode.locateContractsDir().orElseThrow(), port, 12, Duration.ofSeconds(60));
    chain =
        Chain.connect(
            hardhat.rpcUrl(), new Chain.Options(Duration.ofSeconds(30), Duration.ofMillis(20), 2));
    accounts = hardhat.accounts();
    owner = chain.sender(accounts.get(0));
  }

  @AfterAll
  static void stopChain() {
    if (chain != null) {
      chain.close();
    }
    if (hardhat != null) {
      hardhat.close();
    }
  }

  @BeforeEach
  void deploy() throws IOException {
    deployment = Deployer.deploy(chain, owner, hardhat.rpcUrl(), cnx(1_000_000)).deployment();
    token = deployment.token(chain);
    nodes = deployment.node(chain);
    tasks = deployment.task(chain);
    relay =
        RelayServer.start(
            RelayConfig.defaults(dir.resolve("relay"), hardhat.rpcUrl(), tasks.address())
                .withPort(0),
            tasks);
    models = dir.resolve("models");
    Files.createDirectories(models.resolve("runwayml"));
    Files.createSymbolicLink(
        models.resolve("runwayml/stable-diffusion-v1-5"), REFERENCE.toAbsolutePath());
  }

  @AfterEach
  void stop() {
    daemons.forEach(NodeDaemon::close);
    if (relay != null) {
      relay.close();
    }
  }

  private TaskRunner engine() {
    return new EngineRunner(new ModelLibrary(models), new InferenceOptions(1));
  }

  private NodeConfig config(int account) {
    Credentials key = accounts.get(account);
    Path data = dir.resolve("node" + account);
    return new NodeConfig(
        hardhat.rpcUrl(),
        Optional.empty(),
        new NodeConfig.Contracts(
            token.address(),
            nodes.address(),
            tasks.address(),
            OptionalLong.of(chain.blockNumber())),
        URI.create("http://127.0.0.1:" + relay.port() + "/"),
        new NodeConfig.WalletSource(
            data.resolve("wallet.json"),
            Optional.of("test password"),
            Optional.of(Numeric.toHexStringNoPrefix(key.getEcKeyPair().getPrivateKey()))),
        models,
        Optional.empty(),
        data,
        Optional.of(new NodeSnapshot.Gpu("Test GPU " + account, 8 * GIB)),
        new InferenceOptions(1),
        "127.0.0.1",
        0,
        true,
        Duration.ofMillis(100));
  }

  /** Starts a node daemon on {@code account} (funded with the stake) and joins. */
  private NodeDaemon startNode(int account, TaskRunner runner) throws IOException {
    String address = accounts.get(account).getAddress();
    if (token.balanceOf(address).compareTo(nodes.stakeAmount()) < 0) {
      token.transfer(owner, address, nodes.stakeAmount());
    }
    NodeDaemon daemon = NodeDaemon.start(config(account), runner);
    daemons.add(daemon);
    daemon.join();
    return daemon;
  }

  private List<NodeDaemon> startThree(TaskRunner... runners) throws IOException {
    List<NodeDaemon> started = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      started.add(startNode(i + 1, runners.length > i ? runners[i] : engine()));
    }
    for (NodeDaemon d : started) {
      await("node " + d.address() + " joined", () -> status(d) == NodeStatus.AVAILABLE);
    }
    return started;
  }

  private NodeStatus status(NodeDaemon d) {
    return nodes.statusOf(d.address());
  }

  /** Creates a task from the creator's wallet and uploads its args to the relay. */
  private BigInteger createTask(String model, int seed) throws Exception {
    return createTask(model, seed, true);
  }

  private BigInteger createTask(String model, int seed, boolean uploadArgs) throws Exception {
    ValidTask task = Tasks.parse(TASK.formatted(model, seed).getBytes());
    TransactionSender creator = chain.sender(accounts.get(CREATOR));
    token.transfer(owner, creator.address(), cnx(30));
    token.approve(creator, tasks.address(), cnx(30));
    BigInteger id =
        tasks
            .createTask(creator, Numeric.hexStringToByteArray(task.hash()), new byte[32], GIB)
            .taskId();
    if (uploadArgs) {
      new RelayClient(URI.create("http://127.0.0.1:" + relay.port() + "/"), accounts.get(CREATOR))
          .uploadArgs(id, task.canonicalJson());
    }
    return id;
  }

  private boolean settled(BigInteger id) {
    TaskState s = tasks.state(id);
    return s.parts().stream().allMatch(p -> p == NodePart.SETTLED);
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private void awaitCommitted(BigInteger id, int count) {
    await(
        count + " nodes committed",
        () ->
            tasks.state(id).parts().stream().filter(p -> p == NodePart.COMMITTED).count() == count);
  }

  private static NodeSnapshot.TaskRecord record(NodeDaemon d, BigInteger id) {
    return d.snapshot().history().stream()
        .filter(r -> r.taskId().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError(d.address() + " has no record of task " + id));
  }

  private static void awaitOutcome(NodeDaemon d, BigInteger id, String outcome) {
    await(
        d.address() + " records task " + id + " as " + outcome,
        () ->
            d.snapshot().history().stream()
                .anyMatch(r -> r.taskId().equals(id) && outcome.equals(r.outcome())));
  }

  private static boolean printed(Path output, String text) {
    try {
      return Files.readString(output).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> logs(NodeDaemon d) {
    return d.snapshot().logs().stream().map(NodeLogEntry::message).toList();
  }

  /** Blocks the engine until {@link #open} (an interrupt cancels it, as in the engine). */
  private static final class Gate implements TaskRunner {
    private final TaskRunner inner;
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch open = new CountDownLatch(1);

    Gate(TaskRunner inner) {
      this.inner = inner;
    }

    @Override
    public List<Path> run(
        ValidTask task, Path dir, network.hydrogen.engine.pipeline.GenerationListener l)
        throws IOException {
      entered.countDown();
      try {
        open.await();
      } catch (InterruptedException e) {
        throw new CancellationException("stopped");
      }
      return inner.run(task, dir, l);
    }

    void awaitEntered() throws InterruptedException {
      assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }

    void open() {
      open.countDown();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  @Test
  void threeNodesRunATaskToSuccessAndTheImagesReachTheRelay() throws Exception {
    List<NodeDaemon> three = startThree();
    BigInteger id = createTask("runwayml/stable-diffusion-v1-5", 7);

    await("task " + id + " is settled", () -> settled(id));
    TaskState state = tasks.state(id);
    assertThat(state.status()).isEqualTo(TaskStatus.SUCCESS);
    assertThat(state.uploaded()).isTrue();
    Path image = dir.resolve("downloaded.png");
    new RelayClient(URI.create("http://127.0.0.1:" + relay.port() + "/"), accounts.get(CREATOR))
        .downloadResult(id, 0, image);
    BufferedImage png = ImageIO.read(image.toFile());
    assertThat(png.getWidth()).isEqualTo(64);
    TaskResult agreed = tasks.resultOf(id, state.resultIndex()).orElseThrow();
    assertThat(agreed).isEqualTo(new TaskResult.ImageHashes(new long[] {PerceptualHash.of(png)}));
    for (NodeDaemon d : three) {
      awaitOutcome(d, id, "paid");
      assertThat(record(d, id).earned()).isEqualTo(cnx(10));
      assertThat(token.balanceOf(d.address())).isEqualTo(cnx(10));
      assertThat(logs(d)).anyMatch(m -> m.contains("committed the result"));
    }

    // Back to waiting: the same nodes take the next task.
    BigInteger next = createTask("runwayml/stable-diffusion-v1-5", 17);
    await("task " + next + " is settled", () -> settled(next));
    assertThat(tasks.state(next).status()).isEqualTo(TaskStatus.SUCCESS);
    for (NodeDaemon d : three) {
      awaitOutcome(d, next, "paid");
      assertThat(token.balanceOf(d.address())).isEqualTo(cnx(20));
      assertThat(status(d)).isEqualTo(NodeStatus.AVAILABLE);
      assertThat(d.snapshot().task()).isEmpty();
      assertThat(d.snapshot().history()).hasSize(2);
      assertThat(d.meterRegistry().scrape())
          .contains("hydrogen_node_tasks_succeeded_total 2.0")
          .contains("hydrogen_node_tasks_run_total 2.0");
      var overhead = d.networkOverhead();
      var fetch = d.meterRegistry().get("hydrogen.node.step").tag("step", "fetch_args").timer();
      var commit = d.meterRegistry().get("hydrogen.node.step").tag("step", "commit").timer();
      System.out.printf(
          "node %s, %d tasks: network overhead (TaskCreated read to commitment mined, less the"
              + " inference) mean %.0f ms, max %.0f ms; of it fetching the args %.0f ms and the"
              + " commit transaction %.0f ms on average%n",
          d.address(),
          overhead.count(),
          overhead.mean(TimeUnit.MILLISECONDS),
          overhead.max(TimeUnit.MILLISECONDS),
          fetch.mean(TimeUnit.MILLISECONDS),
          commit.mean(TimeUnit.MILLISECONDS));
    }
  }

  @Test
  void aCheatingNodeIsSlashedWhileTheTaskSucceeds() throws Exception {
    TaskRunner honest = engine();
    TaskRunner cheater =
        (task, out, progress) -> {
          List<Path> images = honest.run(task, out, progress);
          for (Path file : images) {
            BufferedImage img = ImageIO.read(file.toFile());
            for (int y = 0; y < img.getHeight(); y++) {
              for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, ~img.getRGB(x, y));
              }
            }
            ImageIO.write(img, "png", file.toFile());
          }
          return images;
        };
    List<NodeDaemon> three = startThree(engine(), cheater, engine());
    BigInteger id = createTask("runwayml/stable-diffusion-v1-5", 8);

    await("task " + id + " is settled", () -> settled(id));
    assertThat(tasks.state(id).status()).isEqualTo(TaskStatus.SUCCESS);
    NodeDaemon cheat = three.get(1);
    awaitOutcome(cheat, id, "slashed");
    assertThat(record(cheat, id).earned()).isEqualTo(cnx(400).negate());
    assertThat(logs(cheat)).anyMatch(m -> m.startsWith("Slashed in task " + id));
    assertThat(nodes.infoOf(cheat.address()).stake()).isZero();
    assertThat(status(cheat)).isEqualTo(NodeStatus.QUIT);
    for (NodeDaemon d : List.of(three.get(0), three.get(2))) {
      awaitOutcome(d, id, "paid");
      assertThat(status(d)).isEqualTo(NodeStatus.AVAILABLE);
    }
  }

  @Test
  void aTaskWhoseModelIsMissingIsReportedByAllAndAbortedWithARefund() throws Exception {
    List<NodeDaemon> three = startThree();
    String creator = accounts.get(CREATOR).getAddress();
    BigInteger before = token.balanceOf(creator);
    BigInteger id = createTask("nobody/no-such-model", 9);

    await("task " + id + " is settled", () -> settled(id));
    assertThat(tasks.state(id).status()).isEqualTo(TaskStatus.ABORTED);
    assertThat(token.balanceOf(creator)).isEqualTo(before.add(cnx(30)));
    for (NodeDaemon d : three) {
      awaitOutcome(d, id, "aborted: two nodes reported the same task error");
      assertThat(logs(d))
          .anyMatch(m -> m.contains("MODEL_DOWNLOAD_FAILED") && m.contains("nobody/no-such-model"));
      assertThat(status(d)).isEqualTo(NodeStatus.AVAILABLE);
      assertThat(nodes.infoOf(d.address()).stake()).isEqualTo(cnx(400));
    }
  }

  @Test
  void argsTheCreatorNeverUploadsAreReportedAsAnInvalidTaskBeforeTheDeadline() throws Exception {
    List<NodeDaemon> three = startThree();
    BigInteger id = createTask("runwayml/stable-diffusion-v1-5", 13, false);
    await(
        "the nodes ask the relay for the args",
        () ->
            logs(three.get(0)).stream().anyMatch(m -> m.contains("has not uploaded the args yet")));
    // The chain moves to 50 s before the commit deadline, past the nodes' last minute of waiting
    // (measured from the chain's time, which a loaded machine's slow start has moved on too): the
    // nodes stop waiting and report the task.
    Instant deadline = tasks.state(id).deadline();
    chain.increaseTime(Duration.between(chain.latestBlockTime(), deadline).minusSeconds(50));

    await("task " + id + " is settled", () -> settled(id));
    assertThat(tasks.state(id).status()).isEqualTo(TaskStatus.ABORTED);
    for (NodeDaemon d : three) {
      awaitOutcome(d, id, "aborted: two nodes reported the same task error");
      assertThat(logs(d))
          .anyMatch(
              m -> m.contains("did not upload the task's args") && m.contains("INVALID_TASK"));
      assertThat(nodes.infoOf(d.address()).stake()).isEqualTo(cnx(400));
    }
  }

  @Test
  void aNodeThatMissesTheCommitDeadlineIsTimedOutByTheOthersAndToldWhy() throws Exception {
    Gate stalled = new Gate(engine());
    List<NodeDaemon> three = startThree(engine(), engine(), stalled);
    BigInteger id = createTask("runwayml/stable-diffusion-v1-5", 14);
    stalled.awaitEntered();
    awaitCommitted(id, 2);
    chain.increaseTime(tasks.parameters().commitTimeout().plusSeconds(5));

    await("task " + id + " is settled", () -> settled(id));
    assertThat(tasks.state(id).status()).isEqualTo(TaskStatus.ABORTED);
    stalled.open();
    NodeDaemon late = three.get(2);
    awaitOutcome(late, id, "penalised");
    BigInteger penalty = tasks.parameters().timeoutPenalty();
    assertThat(record(late, id).earned()).isEqualTo(penalty.negate());
    assertThat(logs(late)).anyMatch(m -> m.startsWith("Penalised " + NodeDaemon.cnx(penalty)));
    assertThat(status(late)).isEqualTo(NodeStatus.QUIT);
    for (NodeDaemon d : List.of(three.get(0), three.get(1))) {
      awaitOutcome(d, id, "aborted: a node did not commit its result in time");
      assertThat(status(d)).isEqualTo(NodeStatus.AVAILABLE);
    }
  }

  @Test
  void pauseAndQuitAskedWhileBusyTakeEffectWhenTheTaskEnds() throws Exception {
    Gate gateA = new Gate(engine());
    Gate gateB = new Gate(engine());
    List<NodeDaemon> three = startThree(gateA, gateB, engine());
    BigInteger id = createTask("runwayml/stable-diffusion-v1-5", 10);
    gateA.awaitEntered();
    gateB.awaitEntered();
    NodeDaemon a = three.get(0);
    NodeDaemon b = three.get(1);

    a.pause();
    b.quit();
    await("a is pending pause", () -> status(a) == NodeStatus.PENDING_PAUSE);
    await("b is pending quit", () -> status(b) == NodeStatus.PENDING_QUIT);
    assertThat(tasks.state(id).status()).isEqualTo(TaskStatus.COMMITTING);
    gateA.open();
    gateB.open();

    await("task " + id + " is settled", () -> settled(id));
    await("a is paused", () -> status(a) == NodeStatus.PAUSED);
    await("b quit", () -> status(b) == NodeStatus.QUIT);
    assertThat(token.balanceOf(b.address())).isEqualTo(cnx(410));
    assertThat(logs(a)).anyMatch(m -> m.contains("Will pause when the running task ends"));
    a.resume();
    await("a is available again", () -> status(a) == NodeStatus.AVAILABLE);
  }

  /** The config {@link #config} describes, as a properties file for a node in its own JVM. */
  private Path configFile(int account) throws IOException {
    NodeConfig c = config(account);
    String text =
        String.join(
            "\n",
            "rpc-url=" + c.rpcUrl(),
            "token-contract=" + c.contracts().token(),
            "node-contract=" + c.contracts().node(),
            "task-contract=" + c.contracts().task(),
            "start-block=" + c.contracts().startBlock().getAsLong(),
            "relay-url=" + c.relayUrl(),
            "data-dir=" + c.dataDir(),
            "models-dir=" + c.modelsDir(),
            "password=" + c.wallet().password().orElseThrow(),
            "private-key=" + c.wallet().importKey().orElseThrow(),
            "gpu-name=" + c.gpu().orElseThrow().name(),
            "gpu-vram-gib=8",
            "threads=1",
            "poll-interval-ms=100",
            "");
    return Files.writeString(dir.resolve("node" + account + ".properties"), text);
  }

  @Test
  void aNodeKilledDuringInferenceFinishesTheTaskAfterARestart() throws Exception {
    String address = accounts.get(3).getAddress();
    token.transfer(owner, address, nodes.stakeAmount());
    Path output = dir.resolve("node3.out");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                StalledNodeMain.class.getName(),
                configFile(3).toString())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      await("the node process joined", () -> nodes.statusOf(address) == NodeStatus.AVAILABLE);
      startNode(1, engine());
      startNode(2, engine());
      await("two more nodes joined", () -> nodes.availableCount() == 3);
      BigInteger id = createTask("runwayml/stable-diffusion-v1-5", 11);
      await("the node process runs the engine", () -> printed(output, "inference started"));
      awaitCommitted(id, 2);
      child.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no cleanup
      assertThat(tasks.state(id).status()).isEqualTo(TaskStatus.COMMITTING);

      NodeDaemon restarted = NodeDaemon.start(config(3), engine());
      daemons.add(restarted);
      await("task " + id + " is settled", () -> settled(id));
      assertThat(tasks.state(id).status()).isEqualTo(TaskStatus.SUCCESS);
      awaitOutcome(restarted, id, "paid");
      assertThat(logs(restarted)).filteredOn(m -> m.contains("committed the result")).hasSize(1);
      assertThat(logs(restarted))
          .anyMatch(m -> m.contains("Resuming task " + id) && m.contains("the engine runs again"));
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aNodeStoppedAfterCommittingDisclosesItsStoredResultAfterARestart() throws Exception {
    Gate slow = new Gate(engine());
    List<NodeDaemon> three = startThree(slow, engine(), engine());
    BigInteger id = createTask("runwayml/stable-diffusion-v1-5", 12);
    NodeDaemon committed = three.get(2);
    int index = tasks.state(id).nodes().indexOf(committed.address());
    await(
        "the third node committed", () -> tasks.state(id).parts().get(index) == NodePart.COMMITTED);
    committed.close();
    daemons.remove(committed);
    slow.open();
    await(
        "the task waits for the stopped node's disclosure",
        () -> !settled(id) && tasks.state(id).status() != TaskStatus.COMMITTING);

    NodeDaemon restarted = NodeDaemon.start(config(3), engine());
    daemons.add(restarted);
    await("task " + id + " is settled", () -> settled(id));
    awaitOutcome(restarted, id, "paid");
    assertThat(logs(restarted)).filteredOn(m -> m.contains("committed the result")).hasSize(1);
    assertThat(logs(restarted)).anyMatch(m -> m.contains("disclosed the result"));
  }
}
