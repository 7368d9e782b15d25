package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import network.hydrogen.chain.Chain;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.HardhatNode;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.Wallets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChainCommandsTest {
  private static final Path CONTRACTS = Path.of("..", "contracts").toAbsolutePath().normalize();
  // Hardhat's first test account: public, worthless outside a dev chain.
  private static final String DEV_KEY =
      "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

  @TempDir Path dir;

  @Test
  void deployWritesADeploymentFileTheContractsAnswerAt() throws IOException {
    try (HardhatNode node = HardhatNode.start(CONTRACTS, freePort(), 2, Duration.ofSeconds(60))) {
      Path key = Files.writeString(dir.resolve("owner.key"), DEV_KEY + "\n");
      Path out = dir.resolve("chain.json");
      CliRun run =
          CliRun.of(
              "chain",
              "deploy",
              "--rpc",
              node.rpcUrl(),
              "--key-file",
              key.toString(),
              "--supply",
              "5000",
              "--out",
              out.toString());
      assertThat(run.err()).isEmpty();
      assertThat(run.exitCode()).isZero();
      assertThat(run.out()).contains("chain id 31337").contains("link Node to Task");
      assertThat(run.out()).doesNotContain(DEV_KEY.substring(2));
      Deployment d = Deployment.read(out);
      try (Chain chain = Chain.connect(node.rpcUrl())) {
        assertThat(d.token(chain).balanceOf(d.owner())).isEqualTo(TokenContract.cnx(5000));
        assertThat(d.task(chain).parameters().feePerNode()).isEqualTo(TokenContract.cnx(10));
      }
    }
  }

  @Test
  void walletImportWritesAKeystoreWithoutPrintingTheKey() throws IOException {
    Path key = Files.writeString(dir.resolve("dev.key"), DEV_KEY);
    Path password = Files.writeString(dir.resolve("password"), "s3cret\n");
    Path keystore = dir.resolve("keystore");
    CliRun run =
        CliRun.of(
            "chain",
            "wallet",
            "--import",
            key.toString(),
            "--dir",
            keystore.toString(),
            "--password-file",
            password.toString());
    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("address 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    assertThat(run.out()).doesNotContain(DEV_KEY.substring(2));
    Path file;
    try (var files = Files.list(keystore)) {
      file = files.findFirst().orElseThrow();
    }
    assertThat(Wallets.loadKeystore(file, "s3cret").getAddress())
        .isEqualTo("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    assertThat(
            CliRun.of(
                    "chain",
                    "wallet",
                    "--dir",
                    keystore.toString(),
                    "--password-file",
                    dir.resolve("none").toString())
                .err())
        .contains("no password file at");
  }

  @Test
  void deployExplainsABadKeyFile() throws IOException {
    Path key = Files.writeString(dir.resolve("bad.key"), "not a key");
    CliRun run =
        CliRun.of("chain", "deploy", "--rpc", "http://127.0.0.1:1", "--key-file", key.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("bad.key").contains("64 hex digits");
  }

  @Test
  void benchChainPrintsGasPerStepAndThroughput() throws IOException {
    CliRun run =
        CliRun.of(
            "bench",
            "chain",
            "--tasks",
            "10",
            "--port",
            "" + freePort(),
            "--contracts-dir",
            CONTRACTS.toString());
    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("createTask (selects 3 nodes)")
        .contains("reportUploaded (pays result node)")
        .contains("total per task")
        .containsPattern("10 complete tasks in [0-9.]+ s with 30 nodes = [0-9.]+ tasks/s");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
