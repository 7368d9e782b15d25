package network.hydrogen.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import network.hydrogen.chain.Deployment;
import network.hydrogen.engine.graph.ExecutionProvider;
import network.hydrogen.engine.graph.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir Path dir;

  private Path file(String... lines) throws Exception {
    return Files.writeString(dir.resolve("node.properties"), String.join("\n", lines) + "\n");
  }

  @Test
  void aDeploymentFileGivesTheChainAndContractsAndPathsAreRelativeToTheConfig() throws Exception {
    new Deployment("http://127.0.0.1:8545", 31337, "0xt", "0xn", "0xk", "0xo", 5, List.of())
        .write(dir.resolve("chain.json"));
    NodeConfig c =
        NodeConfig.load(
            file(
                "deployment-file=chain.json",
                "relay-url=http://127.0.0.1:8090",
                "data-dir=data",
                "password=pw",
                "provider=cpu",
                "precision=fp32",
                "threads=3"),
            Map.of());
    assertThat(c.rpcUrl()).isEqualTo("http://127.0.0.1:8545");
    assertThat(c.contracts())
        .isEqualTo(new NodeConfig.Contracts("0xt", "0xn", "0xk", OptionalLong.of(5)));
    assertThat(c.dataDir()).isEqualTo(dir.resolve("data"));
    assertThat(c.modelsDir()).isEqualTo(dir.resolve("data/models"));
    assertThat(c.wallet().keystore()).isEqualTo(dir.resolve("data/wallet.json"));
    assertThat(c.relayUrl().toString()).isEqualTo("http://127.0.0.1:8090/");
    assertThat(c.inference().provider()).isEqualTo(ExecutionProvider.CPU);
    assertThat(c.inference().precision()).isEqualTo(Precision.FP32);
    assertThat(c.inference().intraOpThreads()).isEqualTo(3);
    assertThat(c.webUiHost()).isEqualTo("127.0.0.1");
    assertThat(c.webUiPort()).isEqualTo(8070);
    assertThat(c.headless()).isFalse();
    assertThat(c.gpu()).isEmpty();
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.wallet().toString()).doesNotContain("pw");
    assertThat(c.downloads()).isEmpty();
  }

  @Test
  void aCacheFolderTurnsDownloadsOnWithTheEnvironmentsTokens() throws Exception {
    NodeConfig c =
        NodeConfig.load(
            file(
                "rpc-url=http://127.0.0.1:8545",
                "token-contract=0xt",
                "node-contract=0xn",
                "task-contract=0xk",
                "relay-url=http://127.0.0.1:8090",
                "data-dir=data",
                "password=pw",
                "cache-dir=cache",
                "cache-size-gib=2",
                "hf-endpoint=http://127.0.0.1:9999"),
            Map.of("HF_TOKEN", "hf_secret_token", "HYDROGEN_NODE_OFFLINE", "true"));
    assertThat(c.downloads())
        .hasValueSatisfying(
            d -> {
              assertThat(d.cache()).isEqualTo(dir.resolve("cache"));
              assertThat(d.cacheBytes()).isEqualTo(2L << 30);
              assertThat(d.offline()).isTrue();
              assertThat(d.hfEndpoint().toString()).isEqualTo("http://127.0.0.1:9999");
              assertThat(d.hfToken()).hasValue("hf_secret_token");
            });
    assertThat(c.toString()).doesNotContain("hf_secret_token");
  }

  @Test
  void theEnvironmentOverridesTheFile() throws Exception {
    NodeConfig c =
        NodeConfig.load(
            file(
                "rpc-url=http://a",
                "token-contract=0x1",
                "node-contract=0x2",
                "task-contract=0x3",
                "relay-url=http://r/",
                "data-dir=/data",
                "headless=false"),
            Map.of(
                "HYDROGEN_NODE_RPC_URL", "http://b",
                "HYDROGEN_NODE_HEADLESS", "true",
                "HYDROGEN_NODE_GPU_NAME", "RTX 4090",
                "HYDROGEN_NODE_GPU_VRAM_GIB", "23.5",
                "HYDROGEN_NODE_PRIVATE_KEY", "0x" + "1".repeat(64)));
    assertThat(c.rpcUrl()).isEqualTo("http://b");
    assertThat(c.headless()).isTrue();
    assertThat(c.gpu()).contains(new NodeSnapshot.Gpu("RTX 4090", 47L << 29));
    assertThat(c.wallet().importKey()).contains("0x" + "1".repeat(64));
    assertThat(c.contracts().startBlock()).isEmpty();
  }

  @Test
  void missingOrWrongSettingsAreNamed() throws Exception {
    assertThatThrownBy(() -> NodeConfig.load(file("data-dir=d"), Map.of()))
        .hasMessageContaining("rpc-url")
        .hasMessageContaining("HYDROGEN_NODE_RPC_URL");
    Path base =
        file(
            "rpc-url=http://a",
            "token-contract=0x1",
            "node-contract=0x2",
            "task-contract=0x3",
            "relay-url=http://r/",
            "data-dir=d");
    assertThatThrownBy(() -> NodeConfig.load(base, Map.of("HYDROGEN_NODE_GPU_NAME", "x")))
        .hasMessageContaining("gpu-name and gpu-vram-gib go together");
    assertThatThrownBy(() -> NodeConfig.load(base, Map.of("HYDROGEN_NODE_PROVIDER", "tpu")))
        .hasMessageContaining("provider must be one of auto, cpu, cuda, tensorrt, was 'tpu'");
    assertThatThrownBy(() -> NodeConfig.load(base, Map.of("HYDROGEN_NODE_WEBUI_PORT", "x")))
        .hasMessageContaining("webui-port must be a number");
  }

  @Test
  void aWalletNeedsAPasswordAndIsWrittenOnFirstStart() throws Exception {
    Path keystore = dir.resolve("w/wallet.json");
    String key = "0x" + "2".repeat(64);
    assertThatThrownBy(
            () ->
                NodeWallet.open(
                    new NodeConfig.WalletSource(
                        keystore, java.util.Optional.empty(), java.util.Optional.of(key))))
        .hasMessageContaining("the wallet needs a password");
    NodeWallet.Opened first =
        NodeWallet.open(
            new NodeConfig.WalletSource(
                keystore, java.util.Optional.of("pw"), java.util.Optional.of(key)));
    assertThat(first.created()).contains("imported");
    assertThat(Files.readString(keystore)).doesNotContain("2".repeat(64));
    NodeWallet.Opened again =
        NodeWallet.open(
            new NodeConfig.WalletSource(
                keystore, java.util.Optional.of("pw"), java.util.Optional.empty()));
    assertThat(again.created()).isNull();
    assertThat(again.credentials().getAddress()).isEqualTo(first.credentials().getAddress());
  }

  @Test
  void nvidiaSmiLinesAreRead() {
    assertThat(GpuDetector.parse("NVIDIA H100 80GB HBM3, 81559"))
        .isEqualTo(new NodeSnapshot.Gpu("NVIDIA H100 80GB HBM3", 81559L << 20));
    assertThat(GpuDetector.parse("garbage")).isNull();
    assertThat(GpuDetector.detect().vramBytes()).isPositive();
  }
}
