package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeCommandTest {
  @TempDir Path dir;

  @Test
  void aMissingConfigFileIsBadInput() {
    CliRun run = CliRun.of("bridge", "--config", dir.resolve("nope.properties").toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("no bridge config file");
  }

  @Test
  void aMissingSettingIsNamed() throws Exception {
    Path config = dir.resolve("bridge.properties");
    Files.writeString(config, "rpc-url=http://127.0.0.1:1\n");
    CliRun run = CliRun.of("bridge", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("token");
  }

  @Test
  void aMissingDeploymentFileIsBadInput() throws Exception {
    Path config = dir.resolve("bridge.properties");
    Files.writeString(
        config, "deployment=" + dir.resolve("chain.json") + "\nrelay-url=http://127.0.0.1:2\n");
    CliRun run = CliRun.of("bridge", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("no deployment file");
  }

  @Test
  void aShortApiKeyIsNamedButNotShown() throws Exception {
    Path config = settings("api-keys=app:abc");
    CliRun run = CliRun.of("bridge", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("api key app is shorter than 16 characters");
    assertThat(run.err()).doesNotContain("abc");
  }

  @Test
  void aMissingWalletIsNamed() throws Exception {
    Path config = settings("api-keys=app:0123456789abcdef0123");
    CliRun run = CliRun.of("bridge", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("the bridge needs a wallet: set key-file or keystore");
  }

  private Path settings(String extra) throws Exception {
    Path config = dir.resolve("bridge.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "rpc-url=http://127.0.0.1:1",
            "token=0x0000000000000000000000000000000000000001",
            "node=0x0000000000000000000000000000000000000002",
            "task=0x0000000000000000000000000000000000000003",
            "relay-url=http://127.0.0.1:2",
            "data-dir=" + dir.resolve("data"),
            extra));
    return config;
  }
}
