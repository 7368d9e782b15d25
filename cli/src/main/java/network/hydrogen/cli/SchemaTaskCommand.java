package network.hydrogen.cli;

import java.util.concurrent.Callable;
import network.hydrogen.task.TaskSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code hydrogen task schema}: prints the task format as JSON Schema. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    description = "Prints the task format as JSON Schema (draft 2020-12).")
final class SchemaTaskCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println(TaskSchema.json());
    return 0;
  }
}
