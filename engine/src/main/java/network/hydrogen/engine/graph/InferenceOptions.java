package network.hydrogen.engine.graph;

import java.util.Objects;

/**
 * How ONNX Runtime runs the networks.
 *
 * @param intraOpThreads threads one operator may use; 0 lets ONNX Runtime choose (one per physical
 *     core)
 * @param provider the execution provider, or {@link ExecutionProvider#AUTO} to pick the best one
 *     available
 * @param deviceId the GPU the CUDA and TensorRT providers use (CUDA's device number)
 * @param precision the precision the networks compute in
 * @param memory whether pipelines keep all networks loaded or load each for its stage
 */
public record InferenceOptions(
    int intraOpThreads,
    ExecutionProvider provider,
    int deviceId,
    Precision precision,
    MemoryMode memory) {

  public InferenceOptions {
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must be >= 0, got " + intraOpThreads);
    }
    Objects.requireNonNull(provider, "provider");
    if (deviceId < 0) {
      throw new IllegalArgumentException("deviceId must be >= 0, got " + deviceId);
    }
    Objects.requireNonNull(precision, "precision");
    Objects.requireNonNull(memory, "memory");
  }

  /** These options with the memory mode chosen automatically. */
  public InferenceOptions(
      int intraOpThreads, ExecutionProvider provider, int deviceId, Precision precision) {
    this(intraOpThreads, provider, deviceId, precision, MemoryMode.AUTO);
  }

  /** These options with the memory mode {@code memory}. */
  public InferenceOptions withMemory(MemoryMode memory) {
    return new InferenceOptions(intraOpThreads, provider, deviceId, precision, memory);
  }

  /** That many threads, the provider, precision and memory mode chosen automatically, GPU 0. */
  public InferenceOptions(int intraOpThreads) {
    this(intraOpThreads, ExecutionProvider.AUTO, 0, Precision.AUTO);
  }

  /** ONNX Runtime's own choice of threads, the provider and precision chosen automatically. */
  public static InferenceOptions defaults() {
    return new InferenceOptions(0);
  }
}
