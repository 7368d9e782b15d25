package network.hydrogen.engine.graph;

import ai.onnxruntime.OrtProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The execution providers a session tries, best first, chosen from the {@link InferenceOptions} and
 * the providers the ONNX Runtime build has ({@code OrtEnvironment.getAvailableProviders()}). An
 * automatic plan falls back towards the CPU when a GPU provider cannot be started; a requested
 * provider is the plan's only choice.
 *
 * @param choices what to try, in order; never empty
 * @param automatic whether a failing choice moves on to the next one
 * @param reason why these choices, for the log
 */
record ProviderPlan(List<ProviderChoice> choices, boolean automatic, String reason) {

  private static final String GPU_BUILD = "build with -Pgpu (onnxruntime_gpu) to run on a machine";

  ProviderPlan {
    choices = List.copyOf(choices);
    if (choices.isEmpty()) {
      throw new IllegalArgumentException("a plan needs at least one choice");
    }
  }

  /**
   * The plan for {@code options} with the providers {@code available}.
   *
   * @throws InferenceException when the requested provider is not in the build, or the requested
   *     precision is not one the provider computes in, saying what is missing
   */
  static ProviderPlan of(InferenceOptions options, Set<OrtProvider> available) {
    boolean tensorRt = available.contains(OrtProvider.TENSOR_RT);
    boolean cuda = available.contains(OrtProvider.CUDA);
    int device = options.deviceId();
    Precision precision = options.precision();
    String has = "this ONNX Runtime build has " + names(available);
    return switch (options.provider()) {
      case AUTO -> automatic(tensorRt, cuda, device, precision, has);
      case CPU -> {
        if (precision == Precision.FP16) {
          throw new InferenceException(
              "fp16 was requested on the CPU provider, which computes in fp32: fp16 runs on"
                  + " TensorRT (provider tensorrt or auto on a GPU build); or choose precision"
                  + " fp32 or auto");
        }
        yield new ProviderPlan(
            List.of(ProviderChoice.CPU), false, "the CPU provider was requested");
      }
      case CUDA -> {
        require(cuda, "CUDA", has, "with CUDA 12 and cuDNN 9");
        if (precision == Precision.FP16) {
          throw new InferenceException(
              "fp16 was requested on the CUDA provider, which runs the engine's fp32 graphs in"
                  + " fp32: fp16 runs on TensorRT (provider tensorrt); or choose precision fp32 or"
                  + " auto");
        }
        yield new ProviderPlan(
            List.of(
                new ProviderChoice(
                    ExecutionProvider.CUDA, device, precision == Precision.AUTO, false)),
            false,
            "the CUDA provider was requested");
      }
      case TENSORRT -> {
        require(tensorRt, "TensorRT", has, "with CUDA 12, cuDNN 9 and TensorRT 10");
        yield new ProviderPlan(
            List.of(
                new ProviderChoice(
                    ExecutionProvider.TENSORRT, device, precision != Precision.FP32, cuda)),
            false,
            "the TensorRT provider was requested");
      }
    };
  }

  private static ProviderPlan automatic(
      boolean tensorRt, boolean cuda, int device, Precision precision, String has) {
    List<ProviderChoice> choices = new ArrayList<>();
    if (tensorRt) {
      choices.add(
          new ProviderChoice(
              ExecutionProvider.TENSORRT, device, precision != Precision.FP32, cuda));
    }
    if (precision == Precision.FP16) {
      if (!tensorRt) {
        throw new InferenceException(
            "fp16 was requested but "
                + has
                + " and no TensorRT provider, the one that computes the engine's graphs in fp16: "
                + GPU_BUILD
                + " with CUDA 12, cuDNN 9 and TensorRT 10, or choose precision fp32 or auto");
      }
      return new ProviderPlan(choices, true, "auto with fp16: " + has);
    }
    if (cuda) {
      choices.add(
          new ProviderChoice(ExecutionProvider.CUDA, device, precision == Precision.AUTO, false));
    }
    choices.add(ProviderChoice.CPU);
    String reason =
        tensorRt || cuda
            ? "auto: " + has
            : "auto: " + has + ", no GPU provider (the GPU providers come with -Pgpu)";
    return new ProviderPlan(choices, true, reason);
  }

  private static void require(boolean present, String provider, String has, String needs) {
    if (!present) {
      throw new InferenceException(
          provider
              + " was requested but "
              + has
              + " and no "
              + provider
              + " provider: "
              + GPU_BUILD
              + " "
              + needs);
    }
  }

  private static String names(Set<OrtProvider> available) {
    return available.stream().sorted().map(OrtProvider::getName).collect(Collectors.joining(", "));
  }
}
