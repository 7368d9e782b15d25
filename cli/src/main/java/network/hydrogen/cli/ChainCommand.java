package network.hydrogen.cli;

import picocli.CommandLine.Command;

/** {@code hydrogen chain}: the local dev chain and contract deployment. */
@Command(
    name = "chain",
    mixinStandardHelpOptions = true,
    description = "The protocol's contracts: a local dev chain, deployment to any EVM chain.",
    subcommands = {DevChainCommand.class, DeployChainCommand.class, WalletCommand.class})
final class ChainCommand extends CommandGroup {}
