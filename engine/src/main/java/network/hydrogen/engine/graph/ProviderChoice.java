package network.hydrogen.engine.graph;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;

/**
 * One way to run a session: an execution provider on a GPU (or the CPU), with TensorRT's fp16
 * layers on or off and, for TensorRT, CUDA for the nodes TensorRT does not take.
 */
record ProviderChoice(
    ExecutionProvider provider, int deviceId, boolean fp16, boolean cudaFallback) {

  ProviderChoice {
    if (provider == ExecutionProvider.AUTO) {
      throw new IllegalArgumentException("a choice names a provider, not AUTO");
    }
    if (fp16 && provider != ExecutionProvider.TENSORRT) {
      throw new IllegalArgumentException("fp16 is TensorRT's option; " + provider + " runs fp32");
    }
    if (cudaFallback && provider != ExecutionProvider.TENSORRT) {
      throw new IllegalArgumentException("only TensorRT falls back to CUDA");
    }
  }

  static final ProviderChoice CPU = new ProviderChoice(ExecutionProvider.CPU, 0, false, false);

  boolean gpu() {
    return provider != ExecutionProvider.CPU;
  }

  /**
   * Registers the provider (and CUDA behind TensorRT) with {@code options}. The CPU provider needs
   * nothing: ONNX Runtime always runs on it what the registered providers do not take.
   *
   * @throws OrtException when the runtime cannot start the provider (its libraries or the GPU are
   *     missing)
   */
  void addTo(SessionOptions options) throws OrtException {
    switch (provider) {
      case CPU, AUTO -> {}
      case CUDA -> options.addCUDA(deviceId);
      case TENSORRT -> {
        try (OrtTensorRTProviderOptions tensorRt = new OrtTensorRTProviderOptions(deviceId)) {
          tensorRt.add("trt_fp16_enable", fp16 ? "1" : "0");
          options.addTensorrt(tensorRt);
        }
        if (cudaFallback) {
          options.addCUDA(deviceId);
        }
      }
    }
  }

  @Override
  public String toString() {
    return switch (provider) {
      case CPU, AUTO -> "the CPU (fp32)";
      case CUDA -> "CUDA on GPU " + deviceId + " (fp32)";
      case TENSORRT ->
          "TensorRT on GPU "
              + deviceId
              + (fp16 ? " (fp16 layers allowed" : " (fp32")
              + (cudaFallback ? ", CUDA for the nodes TensorRT does not take)" : ")");
    };
  }
}
