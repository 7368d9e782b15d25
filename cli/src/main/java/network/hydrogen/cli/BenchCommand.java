package network.hydrogen.cli;

import picocli.CommandLine.Command;

/** {@code hydrogen bench}: benchmarks that print figures. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures.",
    subcommands = {
      EngineBenchCommand.class,
      ChainBenchCommand.class,
      RelayBenchCommand.class,
      DevnetBenchCommand.class
    })
final class BenchCommand extends CommandGroup {}
