package network.hydrogen.cli;

import java.nio.file.Path;
import network.hydrogen.chain.HardhatNode;
import picocli.CommandLine.Command;

/** {@code hydrogen chain}: the local dev chain and contract deployment. */
@Command(
    name = "chain",
    mixinStandardHelpOptions = true,
    description = "The protocol's contracts: a local dev chain, deployment to any EVM chain.",
    subcommands = {DevChainCommand.class, DeployChainCommand.class, WalletCommand.class})
final class ChainCommand extends CommandGroup {
  /** The contracts folder with Hardhat installed, or a clear error naming how to get one. */
  static Path contractsDir(Path given) {
    if (given != null) {
      return given;
    }
    return HardhatNode.locateContractsDir()
        .orElseThrow(
            () ->
                new BadInputException(
                    "cannot find the contracts folder with Hardhat installed; build the project"
                        + " (./mvnw package) or pass --contracts-dir"));
  }
}
