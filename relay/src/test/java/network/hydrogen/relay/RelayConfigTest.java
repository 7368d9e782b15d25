package network.hydrogen.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayConfigTest {
  @TempDir Path dir;

  @Test
  void readsTheFileAndTheEnvironmentOverridesIt() throws Exception {
    Path file = dir.resolve("relay.properties");
    Files.writeString(
        file,
        "data-dir=/var/relay\nrpc-url=http://127.0.0.1:8545\ntask-contract=0xabc\nport=9000\n"
            + "max-images=4\n");
    RelayConfig c = RelayConfig.load(file, Map.of("HYDROGEN_RELAY_PORT", "9100"));
    assertThat(c.port()).isEqualTo(9100);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.maxImages()).isEqualTo(4);
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/relay"));
    assertThat(c.retention()).isEqualTo(Duration.ofDays(7));
  }

  @Test
  void aMissingSettingIsNamed() {
    assertThatThrownBy(() -> RelayConfig.load(null, Map.of("HYDROGEN_RELAY_DATA_DIR", "/tmp/x")))
        .hasMessageContaining("rpc-url")
        .hasMessageContaining("HYDROGEN_RELAY_RPC_URL");
  }
}
