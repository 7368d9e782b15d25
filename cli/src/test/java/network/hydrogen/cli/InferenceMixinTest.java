package network.hydrogen.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The engine options every engine command shares ({@code --provider}, {@code --device}, {@code
 * --precision}), run through {@code hydrogen dev parity} on the tiny reference on this CPU-only
 * build.
 */
class InferenceMixinTest {

  private static final Path REFERENCE = EngineCommandsTest.REFERENCE;

  private static CliRun parity(String... options) {
    String[] args = new String[4 + options.length];
    args[0] = "dev";
    args[1] = "parity";
    args[2] = "--reference";
    args[3] = REFERENCE.toString();
    System.arraycopy(options, 0, args, 4, options.length);
    return CliRun.of(args);
  }

  @Test
  void anExplicitCpuProviderRunsInAnyLetterCase() {
    CliRun run = parity("--provider", "CPU", "--precision", "fp32", "--threads", "1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.lastLine()).matches("\\d+ passed, 0 failed");
  }

  @Test
  void aProviderThisBuildLacksIsExplained() {
    CliRun run = parity("--provider", "cuda");

    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_FAILURE);
    assertThat(run.err())
        .contains("CUDA was requested but this ONNX Runtime build has CPUExecutionProvider")
        .contains("build with -Pgpu (onnxruntime_gpu)");
  }

  @Test
  void anUnknownProviderIsBadInputListingTheChoices() {
    CliRun run = parity("--provider", "gpu");

    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(run.err())
        .contains(
            "--provider (or HYDROGEN_PROVIDER) must be one of auto, cpu, cuda, tensorrt, was 'gpu'");
  }

  @Test
  void fp16OnTheCpuIsRefusedWithTheReason() {
    CliRun run = parity("--precision", "fp16");

    assertThat(run.exitCode()).isEqualTo(Hydrogen.EXIT_FAILURE);
    assertThat(run.err()).contains("fp16 was requested").contains("no TensorRT provider");
  }

  @Test
  void anUnknownPrecisionAndANegativeDeviceAreBadInput() {
    CliRun precision = parity("--precision", "half");
    CliRun device = parity("--device", "-1");
    CliRun notANumber = parity("--device", "first");

    assertThat(precision.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(precision.err()).contains("--precision must be one of auto, fp32, fp16, was 'half'");
    assertThat(device.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(device.err())
        .contains("--device (or HYDROGEN_DEVICE) must be a GPU number, 0 or more, was '-1'");
    assertThat(notANumber.exitCode()).isEqualTo(Hydrogen.EXIT_BAD_INPUT);
    assertThat(notANumber.err()).contains("was 'first'");
  }

  @Test
  void theProviderDefaultsToHydrogenProviderAndTheOptionOverridesIt() {
    // picocli reads ${HYDROGEN_PROVIDER} from the system properties before the environment
    System.setProperty("HYDROGEN_PROVIDER", "tensorrt");
    try {
      CliRun fromVariable = parity();
      CliRun overridden = parity("--provider", "gpu");

      assertThat(fromVariable.exitCode()).isEqualTo(Hydrogen.EXIT_FAILURE);
      assertThat(fromVariable.err()).contains("TensorRT was requested");
      assertThat(overridden.err()).contains("was 'gpu'");
    } finally {
      System.clearProperty("HYDROGEN_PROVIDER");
    }
  }

  @Test
  void helpListsTheOptions() {
    CliRun run = CliRun.of("generate", "--help");

    assertThat(run.out()).contains("--provider", "--device", "--precision", "HYDROGEN_PROVIDER");
  }
}
