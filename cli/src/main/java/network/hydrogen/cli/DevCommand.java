package network.hydrogen.cli;

import picocli.CommandLine.Command;

/** {@code hydrogen dev}: tools for the engine's developers. */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = "Developer tools: engine parity with the reference implementation, test models.",
    subcommands = {ParityCommand.class, RandomCheckpointCommand.class})
final class DevCommand extends CommandGroup {}
