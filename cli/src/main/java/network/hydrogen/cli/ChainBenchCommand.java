package network.hydrogen.cli;

import java.util.concurrent.Callable;
import network.hydrogen.chain.ChainBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen bench chain}: gas per task step and tasks per second on a local chain. */
@Command(
    name = "chain",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a local Hardhat chain, joins 30 nodes, prints the gas used by each step of one"
          + " task's lifecycle and the total, then runs --tasks complete tasks with 10 in flight"
          + " and prints the tasks per second the chain sustained."
    })
final class ChainBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--tasks", defaultValue = "100", description = "Tasks to time (default 100).")
  int tasks;

  @Option(names = "--port", defaultValue = "18545", description = "RPC port (default 18545).")
  int port;

  @Mixin ContractsDirMixin contracts;

  @Override
  public Integer call() throws Exception {
    if (tasks < 1) {
      throw new BadInputException("--tasks must be at least 1, was " + tasks);
    }
    ChainBenchmark.Result result = ChainBenchmark.run(contracts.resolve(), port, tasks);
    spec.commandLine().getOut().print(result.report());
    return 0;
  }
}
