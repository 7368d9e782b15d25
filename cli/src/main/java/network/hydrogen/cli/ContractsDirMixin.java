package network.hydrogen.cli;

import java.nio.file.Path;
import network.hydrogen.chain.HardhatNode;
import picocli.CommandLine.Option;

/** The {@code --contracts-dir} option of every command that starts a local Hardhat chain. */
final class ContractsDirMixin {

  @Option(
      names = "--contracts-dir",
      paramLabel = "DIR",
      description = "The contracts folder with Hardhat installed (default: found next to the jar).")
  Path contractsDir;

  /**
   * The contracts folder with Hardhat installed, absolute (Hardhat runs in it, so a relative path
   * must not be resolved again from there), or a clear error naming how to get one.
   */
  Path resolve() {
    if (contractsDir != null) {
      return contractsDir.toAbsolutePath().normalize();
    }
    return HardhatNode.locateContractsDir()
        .orElseThrow(
            () ->
                new BadInputException(
                    "cannot find the contracts folder with Hardhat installed; build the project"
                        + " (./mvnw package) or pass --contracts-dir"));
  }
}
