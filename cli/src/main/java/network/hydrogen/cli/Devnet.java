package network.hydrogen.cli;

import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import network.hydrogen.bridge.Bridge;
import network.hydrogen.bridge.BridgeConfig;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.DevChain;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.TransactionSender;
import network.hydrogen.engine.bench.RandomCheckpoint;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.node.NodeConfig;
import network.hydrogen.node.NodeDaemon;
import network.hydrogen.node.NodeSnapshot;
import network.hydrogen.node.TaskRunner;
import network.hydrogen.node.webui.NodeWebUi;
import network.hydrogen.relay.RelayConfig;
import network.hydrogen.relay.RelayServer;
import org.web3j.crypto.Credentials;

/**
 * The whole network on this machine: a Hardhat chain with the contracts deployed and the accounts
 * funded, a relay, {@code n} nodes (each with its own wallet, stake, data folder and WebUI) and the
 * bridge with the image generator page. Closing it stops everything, the last started first.
 *
 * <p>Ports follow {@code portBase}: the chain on {@code base}, the relay on {@code base + 1}, the
 * bridge on {@code base + 2}, node {@code i} (from 1) on {@code base + 10 + i}. Dev account 1 is
 * the bridge's wallet, accounts 2.. the nodes'. The chain starts fresh every time (Hardhat keeps no
 * state); what lives in the data folder (the bridge's tasks and images, the nodes' histories and
 * keystores, the relay's files) survives a restart.
 */
final class Devnet implements AutoCloseable {

  /** The demo model's id, written into the devnet's models folder when no real model is there. */
  static final String DEMO_MODEL = "hydrogen/tiny-demo";

  /** The real model the devnet offers first when it is in the models folder. */
  static final String REAL_MODEL = "runwayml/stable-diffusion-v1-5";

  static final BigInteger CNX_EACH = TokenContract.cnx(10_000);
  private static final String NODE_PASSWORD = "devnet";
  private static final Duration POLL = Duration.ofMillis(200);

  /**
   * What to start.
   *
   * @param nodes how many nodes, 3 or more (the Task contract picks three)
   * @param models the local models folder the nodes read
   * @param data where every part keeps its state
   * @param portBase the first port (see the class comment)
   * @param contractsDir the contracts folder with Hardhat installed
   * @param threads the engine threads of each node (0: ONNX Runtime's choice)
   */
  record Options(int nodes, Path models, Path data, int portBase, Path contractsDir, int threads) {
    Options {
      if (nodes < 3 || nodes > 20) {
        throw new BadInputException("--nodes must be 3 to 20 (a task needs three), was " + nodes);
      }
      if (portBase < 1024 || portBase > 65535 - 40) {
        throw new BadInputException("--port-base must be 1024 to 65495, was " + portBase);
      }
    }
  }

  /** A started node: its config, daemon and WebUI. */
  record RunningNode(NodeConfig config, NodeDaemon daemon, NodeWebUi webUi) {}

  private final List<AutoCloseable> started = new ArrayList<>();
  private final List<RunningNode> nodes = new ArrayList<>();
  private DevChain chain;
  private RelayServer relay;
  private Bridge bridge;
  private BridgeConfig bridgeConfig;
  private String model;
  private boolean demo;

  private Devnet() {}

  /** Starts everything; on any failure stops what had started and rethrows. */
  static Devnet start(Options options) throws IOException {
    return start(options, (i, config) -> null);
  }

  /**
   * As {@link #start(Options)}, node {@code i} (from 1) running its tasks with {@code runners(i,
   * its config)}, or with the engine where that is null (tests make a node cheat this way).
   */
  static Devnet start(Options options, BiFunction<Integer, NodeConfig, TaskRunner> runners)
      throws IOException {
    Devnet devnet = new Devnet();
    try {
      devnet.boot(options, runners);
      return devnet;
    } catch (IOException | RuntimeException e) {
      try {
        devnet.close();
      } catch (RuntimeException stopping) {
        e.addSuppressed(stopping);
      }
      throw e;
    }
  }

  private void boot(Options options, BiFunction<Integer, NodeConfig, TaskRunner> runners)
      throws IOException {
    Files.createDirectories(options.data());
    ModelChoice choice = chooseModel(options.models(), options.data());
    this.model = choice.id();
    this.demo = choice.demo();
    chain =
        track(
            DevChain.start(
                options.contractsDir(),
                options.portBase(),
                options.nodes() + 1,
                CNX_EACH,
                options.data().resolve("chain.json")));
    Deployment deployment = chain.deployment();
    // The relay's files are keyed by chain task ids, which a fresh chain hands out again from 1;
    // the bridge keeps every image it fetched, so the relay starts empty with the chain.
    Path relayData = options.data().resolve("relay");
    FileTrees.delete(relayData);
    relay =
        track(
            RelayServer.start(
                RelayConfig.defaults(relayData, deployment.rpcUrl(), deployment.task())
                    .withPort(options.portBase() + 1),
                deployment.task(chain.chain())));
    URI relayUrl = URI.create("http://127.0.0.1:" + relay.port());
    for (int i = 1; i <= options.nodes(); i++) {
      Deployment.DevAccount account = deployment.accounts().get(i);
      Path dir = options.data().resolve("node" + i);
      NodeConfig config =
          new NodeConfig(
              deployment.rpcUrl(),
              Optional.empty(),
              new NodeConfig.Contracts(
                  deployment.token(),
                  deployment.node(),
                  deployment.task(),
                  OptionalLong.of(deployment.deployedAtBlock())),
              relayUrl,
              new NodeConfig.WalletSource(
                  dir.resolve("wallet.json"),
                  Optional.of(NODE_PASSWORD),
                  Optional.of(account.privateKey())),
              choice.folder(),
              Optional.empty(),
              dir,
              Optional.of(new NodeSnapshot.Gpu("devnet node " + i, 24L << 30)),
              new InferenceOptions(options.threads()),
              "127.0.0.1",
              options.portBase() + 10 + i,
              true,
              POLL);
      nodes.add(startNode(config, runners.apply(i, config)));
    }
    bridgeConfig =
        BridgeConfig.defaults(options.data().resolve("bridge"), deployment, relayUrl)
            .withPort(options.portBase() + 2)
            .withPageModel(model)
            .withRateLimit(600, 100)
            .withPollInterval(POLL);
    bridge = track(startBridge());
  }

  /** Starts a node on {@code config}, running tasks with {@code runner} (null: the engine). */
  private RunningNode startNode(NodeConfig config, TaskRunner runner) throws IOException {
    NodeDaemon daemon =
        track(runner == null ? NodeDaemon.start(config) : NodeDaemon.start(config, runner));
    daemon.takeTasks();
    NodeWebUi webUi =
        track(
            NodeWebUi.start(
                daemon,
                config.webUiHost(),
                config.webUiPort(),
                Optional.of(daemon.meterRegistry())));
    return new RunningNode(config, daemon, webUi);
  }

  /**
   * Stops node {@code i} (from 1) at once, whatever it is doing, as a crash would: it commits
   * nothing more until {@link #restartNode}.
   */
  void killNode(int i) {
    RunningNode node = nodes.get(i - 1);
    started.remove(node.webUi());
    started.remove(node.daemon());
    node.webUi().close();
    node.daemon().close();
  }

  /** Starts node {@code i} (from 1) again on its data folder, running tasks with the engine. */
  void restartNode(int i) throws IOException {
    nodes.set(i - 1, startNode(nodes.get(i - 1).config(), null));
  }

  /** The deployer of the contracts, who may set the Task contract's parameters. */
  TransactionSender owner() {
    return chain.chain().sender(chain.node().accounts().getFirst());
  }

  private Bridge startBridge() throws IOException {
    return Bridge.start(
        bridgeConfig, Credentials.create(chain.deployment().accounts().getFirst().privateKey()));
  }

  /**
   * Stops the bridge and starts it again on its data, as after a crash or an upgrade: its tasks
   * carry on from the chain's state.
   */
  void restartBridge() throws IOException {
    started.remove(bridge);
    bridge.close();
    bridge = track(startBridge());
  }

  private <T extends AutoCloseable> T track(T part) {
    started.add(part);
    return part;
  }

  /** The model the devnet's nodes run, and whether it is the generated demo model. */
  private record ModelChoice(String id, Path folder, boolean demo) {}

  private static ModelChoice chooseModel(Path models, Path data) throws IOException {
    if (models != null && new ModelLibrary(models).find(REAL_MODEL).isPresent()) {
      return new ModelChoice(REAL_MODEL, models, false);
    }
    Path demoModels = data.resolve("models");
    Path demo = demoModels.resolve(DEMO_MODEL);
    if (!Files.isRegularFile(demo.resolve("model_index.json"))) {
      RandomCheckpoint.write(RandomCheckpoint.Arch.TINY, demo, 0);
    }
    return new ModelChoice(DEMO_MODEL, demoModels, true);
  }

  Deployment deployment() {
    return chain.deployment();
  }

  Chain chain() {
    return chain.chain();
  }

  String model() {
    return model;
  }

  boolean demo() {
    return demo;
  }

  URI bridgeUrl() {
    return URI.create("http://127.0.0.1:" + bridge.port() + "/");
  }

  URI relayUrl() {
    return URI.create("http://127.0.0.1:" + relay.port() + "/");
  }

  String webKey() {
    return bridgeConfig.webKey();
  }

  List<RunningNode> nodes() {
    return List.copyOf(nodes);
  }

  /**
   * How long the nodes' protocol steps took ({@code fetch_args}, {@code inference}, {@code commit},
   * {@code disclose}, {@code upload}), in seconds: per step, the mean over every time a node took
   * it.
   */
  Map<String, Double> meanStepSeconds() {
    Map<String, double[]> sums = new TreeMap<>();
    for (RunningNode node : nodes) {
      for (Timer timer : node.daemon().meterRegistry().find("hydrogen.node.step").timers()) {
        double[] sum = sums.computeIfAbsent(timer.getId().getTag("step"), k -> new double[2]);
        sum[0] += timer.totalTime(TimeUnit.SECONDS);
        sum[1] += timer.count();
      }
    }
    Map<String, Double> means = new LinkedHashMap<>();
    sums.forEach(
        (step, sum) -> {
          if (sum[1] > 0) {
            means.put(step, sum[0] / sum[1]);
          }
        });
    return means;
  }

  /** A small task of the devnet's model: one image, few steps, a size the model runs fast. */
  String smokeTask() {
    int size = demo ? 64 : 512;
    return """
        {"base_model": "%s", "prompt": "a lighthouse on a cliff at dusk",
         "task_config": {"num_images": 1, "steps": %d, "seed": 42, "cfg": 7,
                         "image_width": %d, "image_height": %d}}"""
        .formatted(model, demo ? 4 : 20, size, size);
  }

  /** Whether the chain process still runs. */
  boolean alive() {
    return chain.node().isAlive();
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    for (AutoCloseable part : started.reversed()) {
      try {
        part.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("stopping the devnet failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
