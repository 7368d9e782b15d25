package network.hydrogen.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevChainTest {
  @TempDir Path dir;

  @Test
  void startsDeploysFundsWritesTheDeploymentAndStopsEverything() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path file = dir.resolve("chain.json");
    ProcessHandle hardhat;
    try (DevChain dev =
        DevChain.start(
            HardhatNode.locateContractsDir().orElseThrow(),
            port,
            3,
            TokenContract.cnx(500),
            file)) {
      Deployment read = Deployment.read(file);
      assertThat(read).isEqualTo(dev.deployment());
      assertThat(read.chainId()).isEqualTo(31337);
      assertThat(read.rpcUrl()).isEqualTo("http://127.0.0.1:" + port);
      assertThat(read.accounts()).hasSize(3);
      try (Chain chain = Chain.connect(read.rpcUrl())) {
        for (Deployment.DevAccount a : read.accounts()) {
          assertThat(read.token(chain).balanceOf(a.address())).isEqualTo(TokenContract.cnx(500));
          assertThat(Wallets.fromPrivateKey(a.privateKey()).getAddress())
              .isEqualToIgnoringCase(a.address());
          assertThat(chain.etherBalance(a.address())).isPositive();
        }
        assertThat(read.node(chain).stakeAmount()).isEqualTo(TokenContract.cnx(400));
      }
      assertThat(a(read).toString()).doesNotContain(read.accounts().get(0).privateKey());
      hardhat = ProcessHandle.of(findPid(dev)).orElseThrow();
    }
    assertThat(hardhat.isAlive()).isFalse();
  }

  @Test
  void aFolderWithoutHardhatIsAClearError() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> HardhatNode.start(dir, 1, 1, java.time.Duration.ofSeconds(1)))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("Hardhat is not installed at " + dir)
        .hasMessageContaining("build the contracts module");
  }

  private static Deployment.DevAccount a(Deployment d) {
    return d.accounts().get(0);
  }

  private static long findPid(DevChain dev) {
    assertThat(dev.node().isAlive()).isTrue();
    return dev.node().pid();
  }
}
