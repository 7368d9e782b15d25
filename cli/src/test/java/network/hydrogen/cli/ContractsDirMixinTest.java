package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ContractsDirMixinTest {

  @Test
  void aRelativeContractsDirIsMadeAbsoluteOnce() {
    ContractsDirMixin mixin = new ContractsDirMixin();
    mixin.contractsDir = Path.of("contracts");

    assertThat(mixin.resolve())
        .isAbsolute()
        .isEqualTo(Path.of("").toAbsolutePath().resolve("contracts"));
  }
}
