package network.hydrogen.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import network.hydrogen.engine.bench.EngineBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen bench engine}: the engine's speed and memory on one model. */
@Command(
    name = "engine",
    mixinStandardHelpOptions = true,
    description = {
      "Loads a model and generates one square image (DPM-Solver++, cfg 7.5), after a one-step"
          + " warm-up, then prints: model load time, seconds per UNet step and per image, the share"
          + " of step time outside the UNet calls, and peak memory against the weights' size.",
      "With --lora-switch: instead, the time to switch a loaded pipeline from one LoRA to"
          + " another (two random LoRAs of --lora-rank, kohya layout) against a cold load with a"
          + " LoRA, measured in the same run.",
      "For a full-size model without downloading one: hydrogen dev random-checkpoint."
    })
final class EngineBenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "PATH",
      description = "A diffusers folder or a single-file .safetensors checkpoint.")
  Path model;

  @Option(
      names = "--size",
      defaultValue = "512",
      description = "Image width and height (default 512).")
  int size;

  @Option(names = "--steps", defaultValue = "4", description = "Denoising steps (default 4).")
  int steps;

  @Option(
      names = "--lora-switch",
      description =
          "Measure LoRA switching on a loaded pipeline against a cold load instead of generating.")
  boolean loraSwitch;

  @Option(
      names = "--lora-rank",
      defaultValue = "32",
      description = "The rank of the random LoRAs of --lora-switch (default 32).")
  int loraRank;

  @Mixin InferenceMixin inference;

  @Override
  public Integer call() throws IOException {
    if (size <= 0 || size % 8 != 0) {
      throw new BadInputException("--size must be a positive multiple of 8, was " + size);
    }
    if (steps < 1) {
      throw new BadInputException("--steps must be at least 1, was " + steps);
    }
    if (loraSwitch) {
      if (loraRank < 1) {
        throw new BadInputException("--lora-rank must be at least 1, was " + loraRank);
      }
      spec.commandLine()
          .getOut()
          .print(EngineBenchmark.loraSwitch(model, loraRank, inference.options()).report());
      return 0;
    }
    EngineBenchmark.Result result = EngineBenchmark.run(model, size, steps, inference.options());
    spec.commandLine().getOut().print(result.report());
    return 0;
  }
}
