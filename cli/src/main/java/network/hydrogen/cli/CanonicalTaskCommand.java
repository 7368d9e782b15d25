package network.hydrogen.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hydrogen task canonical FILE}: prints the canonical JSON that is hashed. */
@Command(
    name = "canonical",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the task's canonical JSON: every default filled in, keys sorted, no whitespace",
      "(RFC 8785). Its keccak256 is the task hash."
    })
final class CanonicalTaskCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = TaskFileReader.FILE_HELP)
  String file;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println(TaskFileReader.read(file).canonicalJson());
    return 0;
  }
}
