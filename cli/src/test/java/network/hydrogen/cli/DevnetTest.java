package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.HardhatNode;
import network.hydrogen.chain.TaskContract;
import network.hydrogen.chain.TaskParameters;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.engine.library.ModelLibrary;
import network.hydrogen.node.EngineRunner;
import network.hydrogen.node.NodeConfig;
import network.hydrogen.node.NodeDaemon;
import network.hydrogen.node.TaskRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole network on this machine, end to end: {@code hydrogen devnet --smoke} on the generated
 * demo model; a devnet restarted on its data folder that keeps its history and takes new tasks on
 * its fresh chain; four nodes of which one cheats; twenty tasks at once.
 */
class DevnetTest {

  @TempDir Path dir;

  @Test
  void theSmokeTaskComesBackWithEveryStageTimed() throws IOException {
    CliRun run =
        CliRun.of(
            "devnet",
            "--smoke",
            "--threads",
            "1",
            "--models",
            dir.resolve("models").toString(),
            "--port-base",
            Integer.toString(freePortBase()));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("tiny demo model hydrogen/tiny-demo", "image generator  http://127.0.0.1:")
        .contains("node 3 WebUI", "relay ", "chain RPC ")
        .contains("inference", "commit", "disclose", "upload", "fetch_args")
        .containsPattern("smoke task succeeded in [0-9.]+ s; image 0: [1-9][0-9]* bytes");
  }

  @Test
  void aRestartedDevnetKeepsItsHistoryAndTakesNewTasks() throws Exception {
    Path data = dir.resolve("data");
    String first;
    try (Devnet devnet = Devnet.start(options(data))) {
      BridgeApi api = new BridgeApi(devnet.bridgeUrl(), devnet.webKey());
      first = api.submit(devnet.smokeTask());
      assertThat(api.await(first, Duration.ofMinutes(3)).path("status").asText())
          .isEqualTo("succeeded");
    }
    try (Devnet devnet = Devnet.start(options(data))) {
      BridgeApi api = new BridgeApi(devnet.bridgeUrl(), devnet.webKey());
      JsonNode kept = api.status(first);
      assertThat(kept.path("status").asText()).isEqualTo("succeeded");
      assertThat(api.image(first, 0)).isNotEmpty();

      String second = api.submit(devnet.smokeTask());
      assertThat(api.await(second, Duration.ofMinutes(3)).path("status").asText())
          .isEqualTo("succeeded");
      assertThat(api.list()).hasSize(2);
      assertThat(devnet.nodes())
          .allSatisfy(
              node ->
                  assertThat(node.daemon().snapshot().logs())
                      .anyMatch(e -> e.message().contains("not the chain the node last ran on")));
    }
  }

  @Test
  void aCheaterAmongFourIsSlashedTheHonestArePaidAndNoTokenIsLost() throws Exception {
    int cheaterIndex = 4;
    try (Devnet devnet =
        Devnet.start(
            options(dir.resolve("data"), 4),
            (i, config) -> i == cheaterIndex ? cheater(config) : null)) {
      BridgeApi api = new BridgeApi(devnet.bridgeUrl(), devnet.webKey());
      NodeDaemon cheat = devnet.nodes().get(cheaterIndex - 1).daemon();
      for (int attempt = 0; cheat.snapshot().history().isEmpty(); attempt++) {
        assertThat(attempt).as("the cheater is picked within 10 tasks").isLessThan(10);
        String id = api.submit(devnet.smokeTask());
        assertThat(api.await(id, Duration.ofMinutes(2)).path("status").asText())
            .as("two honest nodes agree")
            .isEqualTo("succeeded");
      }
      await(
          "the cheater's history shows the slash",
          () -> cheat.snapshot().history().stream().anyMatch(r -> r.outcome().contains("slashed")));
      assertThat(cheat.snapshot().history().getFirst().earned()).isNegative();
      await(
          "two honest nodes' histories show a payment",
          () ->
              devnet.nodes().stream()
                      .map(Devnet.RunningNode::daemon)
                      .filter(node -> node != cheat)
                      .flatMap(node -> node.snapshot().history().stream())
                      .filter(record -> record.earned().signum() > 0)
                      .count()
                  >= 2);

      Deployment deployment = devnet.deployment();
      TokenContract token = deployment.token(devnet.chain());
      Set<String> holders = new LinkedHashSet<>();
      holders.add(deployment.owner().toLowerCase(Locale.ROOT));
      deployment.accounts().forEach(a -> holders.add(a.address().toLowerCase(Locale.ROOT)));
      holders.add(deployment.node().toLowerCase(Locale.ROOT));
      holders.add(deployment.task().toLowerCase(Locale.ROOT));
      holders.add(deployment.node(devnet.chain()).treasury().toLowerCase(Locale.ROOT));
      BigInteger held =
          holders.stream().map(token::balanceOf).reduce(BigInteger.ZERO, BigInteger::add);
      assertThat(held).as("every CNX is somewhere").isEqualTo(token.totalSupply());
    }
  }

  @Test
  void aTaskCompletesWhenTheBridgeIsRestartedWhileTheNodesWork() throws Exception {
    try (Devnet devnet = Devnet.start(options(dir.resolve("data"), 3))) {
      BridgeApi api = new BridgeApi(devnet.bridgeUrl(), devnet.webKey());
      String id = api.submit(devnet.smokeTask());
      await(
          "the task is on chain",
          () -> {
            try {
              return api.status(id).has("chain_task_id");
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
      devnet.restartBridge();
      JsonNode done = api.await(id, Duration.ofMinutes(2));
      assertThat(done.path("status").asText()).isEqualTo("succeeded");
      assertThat(api.image(id, 0)).isNotEmpty();
    }
  }

  @Test
  void aNodeKilledMidTaskIsTimedOutAndTheTaskSucceedsOnceSubmittedAgain() throws Exception {
    TaskRunner longInference =
        (task, out, progress) -> {
          try {
            Thread.sleep(Long.MAX_VALUE); // until the node is killed
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          throw new CancellationException("killed");
        };
    try (Devnet devnet =
        Devnet.start(
            options(dir.resolve("data"), 4), (i, config) -> i == 1 ? longInference : null)) {
      TaskContract tasks = devnet.deployment().task(devnet.chain());
      TaskParameters p = tasks.parameters();
      tasks.setParameters(
          devnet.owner(),
          new TaskParameters(
              p.feePerNode(),
              p.distanceThreshold(),
              Duration.ofSeconds(8),
              p.discloseTimeout(),
              p.uploadTimeout(),
              p.timeoutPenalty()));
      BridgeApi api = new BridgeApi(devnet.bridgeUrl(), devnet.webKey());
      NodeDaemon first = devnet.nodes().getFirst().daemon();
      String id = null;
      for (int attempt = 0; first.snapshot().task().isEmpty(); attempt++) {
        assertThat(attempt).as("node 1 is picked within 10 tasks").isLessThan(10);
        id = api.submit(devnet.smokeTask());
        String submitted = id;
        await(
            "node 1 runs task " + id + ", or the task ends without it",
            () -> {
              try {
                return first.snapshot().task().isPresent()
                    || BridgeApi.ended(api.status(submitted));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
      }
      devnet.killNode(1);

      JsonNode done = api.await(id, Duration.ofMinutes(3));
      assertThat(done.path("status").asText()).isEqualTo("succeeded");
      assertThat(done.path("attempt").asInt()).as("submitted again after the timeout").isEqualTo(2);

      devnet.restartNode(1);
      NodeDaemon restarted = devnet.nodes().getFirst().daemon();
      await(
          "the restarted node's history shows the penalty",
          () ->
              restarted.snapshot().history().stream()
                  .anyMatch(r -> r.outcome().contains("penalised") && r.earned().signum() < 0));
    }
  }

  @Test
  void twentyTasksAtOnceAllFinish() throws Exception {
    try (Devnet devnet = Devnet.start(options(dir.resolve("data"), 3))) {
      BridgeApi api = new BridgeApi(devnet.bridgeUrl(), devnet.webKey());
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add(api.submit(devnet.smokeTask()));
      }
      for (String id : ids) {
        assertThat(api.await(id, Duration.ofMinutes(4)).path("status").asText())
            .as("task " + id)
            .isEqualTo("succeeded");
      }
      assertThat(api.list()).hasSize(20);
    }
  }

  /** A node that inverts every pixel of its images: its pHashes disagree with the others'. */
  private static TaskRunner cheater(NodeConfig config) {
    TaskRunner honest = new EngineRunner(new ModelLibrary(config.modelsDir()), config.inference());
    return (task, out, progress) -> {
      List<Path> images = honest.run(task, out, progress);
      for (Path file : images) {
        BufferedImage image = ImageIO.read(file.toFile());
        for (int y = 0; y < image.getHeight(); y++) {
          for (int x = 0; x < image.getWidth(); x++) {
            image.setRGB(x, y, ~image.getRGB(x, y));
          }
        }
        ImageIO.write(image, "png", file.toFile());
      }
      return images;
    };
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private Devnet.Options options(Path data) throws IOException {
    return options(data, 3);
  }

  private Devnet.Options options(Path data, int nodes) throws IOException {
    return new Devnet.Options(
        nodes,
        dir.resolve("models"),
        data,
        freePortBase(),
        HardhatNode.locateContractsDir().orElseThrow(),
        1);
  }

  /** A port from which the devnet's ports (up to base + 13 for three nodes) are free. */
  static int freePortBase() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base;
      try (ServerSocket socket = new ServerSocket(0)) {
        base = socket.getLocalPort();
      }
      if (base > 65535 - 40) {
        continue;
      }
      if (allFree(base, 14)) {
        return base;
      }
    }
    throw new IOException("no free range of ports");
  }

  private static boolean allFree(int base, int count) {
    for (int port = base; port < base + count; port++) {
      try (ServerSocket socket = new ServerSocket(port)) {
        socket.setReuseAddress(true);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
