package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayCommandTest {
  @TempDir Path dir;

  @Test
  void aMissingConfigFileIsBadInput() {
    CliRun run = CliRun.of("relay", "--config", dir.resolve("nope.properties").toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("no relay config file");
  }

  @Test
  void aMissingSettingIsNamed() throws Exception {
    Path config = dir.resolve("relay.properties");
    Files.writeString(config, "data-dir=" + dir.resolve("data") + "\n");
    CliRun run = CliRun.of("relay", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err()).contains("rpc-url");
  }
}
