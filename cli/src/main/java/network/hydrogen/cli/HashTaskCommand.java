package network.hydrogen.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hydrogen task hash FILE}: prints the task hash that goes on chain. */
@Command(
    name = "hash",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the task hash: 0x + keccak256 of the task's canonical JSON.",
      "Key order, whitespace and defaults written out or not do not change it."
    })
final class HashTaskCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = TaskFileReader.FILE_HELP)
  String file;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println(TaskFileReader.read(file).hash());
    return 0;
  }
}
