package network.hydrogen.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import network.hydrogen.engine.graph.ExecutionProvider;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.graph.MemoryMode;
import network.hydrogen.engine.graph.Precision;
import picocli.CommandLine.Option;

/**
 * The options of every command that runs the engine. The provider and device default to the
 * environment variables HYDROGEN_PROVIDER and HYDROGEN_DEVICE when they are set.
 */
final class InferenceMixin {

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "ONNX Runtime intra-op threads; 0 lets it choose (default).")
  int threads;

  @Option(
      names = "--provider",
      paramLabel = "auto|cpu|cuda|tensorrt",
      defaultValue = "${HYDROGEN_PROVIDER:-auto}",
      description =
          "ONNX Runtime execution provider; auto takes TensorRT, else CUDA, else the CPU, as the"
              + " runtime and machine allow (default: HYDROGEN_PROVIDER if set, else auto).")
  String provider;

  @Option(
      names = "--device",
      paramLabel = "N",
      defaultValue = "${HYDROGEN_DEVICE:-0}",
      description =
          "GPU (CUDA device number) for CUDA and TensorRT (default: HYDROGEN_DEVICE if set,"
              + " else 0).")
  String device;

  @Option(
      names = "--precision",
      paramLabel = "auto|fp32|fp16",
      defaultValue = "auto",
      description =
          "Compute precision; auto is fp16 layers on TensorRT, TF32 on CUDA, fp32 on the CPU"
              + " (default: auto).")
  String precision;

  @Option(
      names = "--memory",
      paramLabel = "auto|resident|sequential",
      defaultValue = "auto",
      description =
          "Keep every network loaded (resident), or load each only for its stage, text encoders,"
              + " then UNet, then VAE (sequential: the peak is the largest network, at the cost of"
              + " opening sessions for every image); auto is sequential when the weights would not"
              + " fit the memory available (default: auto).")
  String memory;

  InferenceOptions options() {
    if (threads < 0) {
      throw new BadInputException("--threads must be 0 or more, was " + threads);
    }
    return new InferenceOptions(
        threads,
        parse(ExecutionProvider.class, provider, "--provider (or HYDROGEN_PROVIDER)"),
        deviceNumber(),
        parse(Precision.class, precision, "--precision"),
        parse(MemoryMode.class, memory, "--memory"));
  }

  private int deviceNumber() {
    int number;
    try {
      number = Integer.parseInt(device.strip());
    } catch (NumberFormatException e) {
      number = -1;
    }
    if (number < 0) {
      throw new BadInputException(
          "--device (or HYDROGEN_DEVICE) must be a GPU number, 0 or more, was '" + device + "'");
    }
    return number;
  }

  private static <E extends Enum<E>> E parse(Class<E> type, String value, String option) {
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(value.strip())) {
        return constant;
      }
    }
    String allowed =
        Arrays.stream(type.getEnumConstants())
            .map(constant -> constant.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));
    throw new BadInputException(option + " must be one of " + allowed + ", was '" + value + "'");
  }
}
