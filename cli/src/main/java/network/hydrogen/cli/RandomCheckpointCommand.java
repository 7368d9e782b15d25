package network.hydrogen.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import network.hydrogen.engine.bench.RandomCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hydrogen dev random-checkpoint}: a full-size random-weight model for benchmarks. */
@Command(
    name = "random-checkpoint",
    mixinStandardHelpOptions = true,
    description =
        "Writes a full-size Stable Diffusion model with random weights and the exact real"
            + " architecture, as a diffusers folder (fp32: about 4 GiB), for benchmarks; or a tiny"
            + " one for demos.")
final class RandomCheckpointCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--arch",
      required = true,
      description =
          "sd15 (Stable Diffusion 1.5), sd21 (2.1, 768 v-prediction), sdxl (XL base 1.0), or"
              + " tiny (SD 1.5's architecture with tiny widths: a few MB, for demos and tests).")
  String arch;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "The folder to write.")
  Path out;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights.")
  long seed;

  @Override
  public Integer call() throws IOException {
    RandomCheckpoint.Arch architecture;
    try {
      architecture = RandomCheckpoint.Arch.of(arch);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    long parameters = RandomCheckpoint.write(architecture, out, seed);
    spec.commandLine().getOut().printf("wrote %s: %,d parameters%n", out, parameters);
    return 0;
  }
}
