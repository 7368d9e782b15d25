package network.hydrogen.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code hydrogen task}: validate, hash, canonicalize and describe task definitions. */
@Command(
    name = "task",
    mixinStandardHelpOptions = true,
    description = "Work with Stable Diffusion task definitions (JSON).",
    subcommands = {
      ValidateTaskCommand.class,
      HashTaskCommand.class,
      CanonicalTaskCommand.class,
      SchemaTaskCommand.class
    })
final class TaskCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing a subcommand");
  }
}
