package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.DevChain;
import network.hydrogen.chain.NodeStatus;
import network.hydrogen.chain.TokenContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCommandTest {
  private static final Path CONTRACTS = Path.of("..", "contracts").toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void aMissingConfigFileIsBadInput() {
    CliRun run = CliRun.of("node", "--config", dir.resolve("nope.properties").toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("no node config file");
  }

  @Test
  void aMissingSettingIsNamed() throws IOException {
    Path config =
        Files.writeString(
            dir.resolve("node.properties"), "rpc-url=http://127.0.0.1:1\ndata-dir=data\n");
    CliRun run = CliRun.of("node", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("token-contract").contains("HYDROGEN_NODE_TOKEN_CONTRACT");
  }

  /** A headless node in its own JVM joins on start; SIGTERM makes it quit on chain and exit 0. */
  @Test
  void aHeadlessNodeJoinsAndOnSigtermQuitsAndExitsZero() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path deploymentFile = dir.resolve("chain.json");
    try (DevChain dev =
        DevChain.start(CONTRACTS, port, 1, TokenContract.cnx(1000), deploymentFile)) {
      Deployment d = dev.deployment();
      String address = d.accounts().getFirst().address();
      Path config =
          Files.writeString(
              dir.resolve("node.properties"),
              String.join(
                  "\n",
                  "deployment-file=chain.json",
                  "relay-url=http://127.0.0.1:9",
                  "data-dir=node",
                  "password-file=password.txt",
                  "private-key=" + d.accounts().getFirst().privateKey(),
                  "gpu-name=Test GPU",
                  "gpu-vram-gib=8",
                  "poll-interval-ms=100",
                  ""));
      Files.writeString(dir.resolve("password.txt"), "secret\n");
      Process node =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  Hydrogen.class.getName(),
                  "node",
                  "--config",
                  config.toString(),
                  "--headless")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("node.out").toFile())
              .start();
      try {
        var nodes = d.node(dev.chain());
        awaitStatus(nodes, address, NodeStatus.AVAILABLE);
        assertThat(d.token(dev.chain()).balanceOf(address)).isEqualTo(TokenContract.cnx(600));

        node.destroy(); // SIGTERM
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(dir.resolve("node.out"));
        assertThat(node.exitValue()).as(out).isZero();
        assertThat(nodes.statusOf(address)).isEqualTo(NodeStatus.QUIT);
        assertThat(d.token(dev.chain()).balanceOf(address)).isEqualTo(TokenContract.cnx(1000));
        assertThat(out).contains("the node quit");
        assertThat(dir.resolve("node/wallet.json")).isRegularFile();
      } finally {
        node.destroyForcibly();
      }
    }
  }

  private static void awaitStatus(
      network.hydrogen.chain.NodeContract nodes, String address, NodeStatus want)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (nodes.statusOf(address) != want) {
      assertThat(System.nanoTime()).as("waiting for " + want).isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
