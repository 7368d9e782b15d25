package network.hydrogen.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import network.hydrogen.chain.Deployment;
import network.hydrogen.chain.TokenContract;
import network.hydrogen.chain.Wallets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;

class BridgeConfigTest {
  @TempDir Path dir;

  @Test
  void readsTheDeploymentFileAndTheEnvironmentOverridesTheFile() throws Exception {
    Path deployment = dir.resolve("chain.json");
    new Deployment("http://127.0.0.1:8545", 31337, "0xt", "0xn", "0xk", "0xo", 1, List.of())
        .write(deployment);
    Path file = dir.resolve("bridge.properties");
    Files.writeString(
        file,
        String.join(
            "\n",
            "deployment=" + deployment,
            "relay-url=http://127.0.0.1:8090",
            "port=9000",
            "data-dir=" + dir.resolve("data"),
            "api-keys=shop:0123456789abcdef",
            "rate-per-minute=5",
            "ws-url=ws://127.0.0.1:8545",
            "max-retries=4"));
    BridgeConfig c = BridgeConfig.load(file, Map.of("HYDROGEN_BRIDGE_PORT", "9100"));
    assertThat(c.port()).isEqualTo(9100);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.rpcUrl()).isEqualTo("http://127.0.0.1:8545");
    assertThat(c.wsUrl()).isEqualTo("ws://127.0.0.1:8545");
    assertThat(List.of(c.token(), c.node(), c.task())).containsExactly("0xt", "0xn", "0xk");
    assertThat(c.dbUrl())
        .isEqualTo("jdbc:sqlite:" + dir.resolve("data/bridge.db").toAbsolutePath());
    assertThat(c.apiKeys()).containsEntry("shop", "0123456789abcdef");
    assertThat(c.webKey()).hasSize(32);
    assertThat(c.ratePerMinute()).isEqualTo(5);
    assertThat(c.maxRetries()).isEqualTo(4);
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.approveAmount()).isEqualTo(TokenContract.cnx(10_000));
    assertThat(c.toString()).doesNotContain("0123456789abcdef").doesNotContain(c.webKey());
  }

  @Test
  void missingAndBadSettingsAreNamed() throws Exception {
    Path file = dir.resolve("bridge.properties");
    Files.writeString(file, "rpc-url=http://127.0.0.1:8545\ntoken=0xt\nnode=0xn\ntask=0xk\n");
    assertThatThrownBy(() -> BridgeConfig.load(file, Map.of()))
        .hasMessageContaining("relay-url")
        .hasMessageContaining("HYDROGEN_BRIDGE_RELAY_URL");
    assertThatThrownBy(
            () ->
                BridgeConfig.load(
                    file,
                    Map.of(
                        "HYDROGEN_BRIDGE_RELAY_URL", "http://x", "HYDROGEN_BRIDGE_PORT", "lots")))
        .hasMessage("bridge setting port is not a number: lots");
  }

  @Test
  void theWalletComesFromAKeyFileOrAKeystoreWithItsPassword() throws Exception {
    Credentials wallet = Wallets.create();
    Path key = dir.resolve("key");
    Files.writeString(
        key, Numeric.toHexStringNoPrefixZeroPadded(wallet.getEcKeyPair().getPrivateKey(), 64));
    Path file = dir.resolve("bridge.properties");
    Files.writeString(file, "key-file=" + key + "\n");
    assertThat(BridgeConfig.wallet(file, Map.of()).getAddress()).isEqualTo(wallet.getAddress());

    Files.writeString(file, "keystore=" + dir.resolve("keystore.json") + "\n");
    assertThatThrownBy(() -> BridgeConfig.wallet(file, Map.of()))
        .hasMessageContaining("password-file or HYDROGEN_PASSWORD");
    assertThatThrownBy(() -> BridgeConfig.wallet(file, Map.of("HYDROGEN_PASSWORD", "pw")))
        .hasMessageContaining("no keystore file at");
  }
}
