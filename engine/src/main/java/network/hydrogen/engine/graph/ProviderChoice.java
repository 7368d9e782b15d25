package network.hydrogen.engine.graph;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;

/**
 * One way to run a session: an execution provider on a GPU (or the CPU) and, for TensorRT, CUDA
 * registered behind it for the nodes TensorRT does not take.
 *
 * @param reducedPrecision whether the GPU may trade fp32 precision for speed: TensorRT's fp16
 *     layers, and TF32 tensor-core math in CUDA's fp32 matrix products and convolutions (Ampere and
 *     newer GPUs); always false on the CPU
 */
record ProviderChoice(
    ExecutionProvider provider, int deviceId, boolean reducedPrecision, boolean cudaFallback) {

  ProviderChoice {
    if (provider == ExecutionProvider.AUTO) {
      throw new IllegalArgumentException("a choice names a provider, not AUTO");
    }
    if (provider == ExecutionProvider.CPU && reducedPrecision) {
      throw new IllegalArgumentException("the CPU provider computes in fp32 only");
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
      case CUDA -> addCuda(options);
      case TENSORRT -> {
        try (OrtTensorRTProviderOptions tensorRt = new OrtTensorRTProviderOptions(deviceId)) {
          tensorRt.add("trt_fp16_enable", reducedPrecision ? "1" : "0");
          options.addTensorrt(tensorRt);
        }
        if (cudaFallback) {
          addCuda(options);
        }
      }
    }
  }

  private void addCuda(SessionOptions options) throws OrtException {
    try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(deviceId)) {
      cuda.add("use_tf32", reducedPrecision ? "1" : "0");
      options.addCUDA(cuda);
    }
  }

  @Override
  public String toString() {
    return switch (provider) {
      case CPU, AUTO -> "the CPU (fp32)";
      case CUDA -> "CUDA on GPU " + deviceId + (reducedPrecision ? " (TF32 allowed)" : " (fp32)");
      case TENSORRT ->
          "TensorRT on GPU "
              + deviceId
              + (reducedPrecision ? " (fp16 layers allowed" : " (fp32")
              + (cudaFallback ? ", CUDA for the nodes TensorRT does not take)" : ")");
    };
  }
}
