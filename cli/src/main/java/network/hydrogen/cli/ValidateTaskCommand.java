package network.hydrogen.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import network.hydrogen.task.TaskArgs;
import network.hydrogen.task.ValidTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hydrogen task validate FILE}: checks a task and summarizes it. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Checks a task file against the task format.",
      "Exit 0 with a summary when valid; exit 2 with every error, one per line, when not."
    })
final class ValidateTaskCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = TaskFileReader.FILE_HELP)
  String file;

  @Override
  public Integer call() {
    ValidTask task = TaskFileReader.read(file);
    var out = spec.commandLine().getOut();
    out.println("valid task: " + (file.equals("-") ? "standard input" : file));
    out.println("  " + summary(task.args()));
    out.println("  hash " + task.hash());
    return 0;
  }

  static String summary(TaskArgs args) {
    TaskArgs.TaskConfig config = args.taskConfig();
    List<String> parts = new ArrayList<>();
    parts.add(
        args.baseModel().name() + args.baseModel().variant().map(v -> " (" + v + ")").orElse(""));
    parts.add(config.imageWidth() + "x" + config.imageHeight());
    parts.add(config.numImages() + (config.numImages() == 1 ? " image" : " images"));
    parts.add(config.steps() + (config.steps() == 1 ? " step" : " steps"));
    parts.add(args.scheduler().method().jsonName());
    args.lora().ifPresent(lora -> parts.add("LoRA " + lora.model()));
    args.controlnet()
        .ifPresent(
            controlnet ->
                parts.add(
                    "ControlNet "
                        + controlnet.model()
                        + controlnet
                            .preprocess()
                            .map(p -> " (" + p.method().jsonName() + ")")
                            .orElse("")));
    args.refiner().ifPresent(refiner -> parts.add("refiner " + refiner.model()));
    return "sd-task " + args.version() + ": " + String.join(", ", parts);
  }
}
