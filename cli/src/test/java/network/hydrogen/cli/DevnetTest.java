package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import network.hydrogen.chain.HardhatNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole network on this machine, end to end: {@code hydrogen devnet --smoke} on the generated
 * demo model, and a devnet restarted on its data folder that keeps its history and takes new tasks
 * on its fresh chain.
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

  private Devnet.Options options(Path data) throws IOException {
    return new Devnet.Options(
        3,
        dir.resolve("models"),
        data,
        freePortBase(),
        HardhatNode.locateContractsDir().orElseThrow(),
        1);
  }

  /** A port from which the devnet's ports (up to base + 13 for three nodes) are free. */
  private static int freePortBase() throws IOException {
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
