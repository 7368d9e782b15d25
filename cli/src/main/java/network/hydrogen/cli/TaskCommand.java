package network.hydrogen.cli;

import picocli.CommandLine.Command;

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
final class TaskCommand extends CommandGroup {}
