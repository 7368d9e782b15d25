package network.hydrogen.engine.graph;

/**
 * Which ONNX Runtime execution provider runs the networks. {@link #AUTO} takes the fastest one the
 * ONNX Runtime build offers and the machine can start; the others are a firm request that fails
 * with an explanation when it cannot be met.
 */
public enum ExecutionProvider {
  /**
   * TensorRT (with CUDA for the nodes TensorRT does not take) if available, else CUDA, else CPU.
   */
  AUTO,
  CPU,
  CUDA,
  TENSORRT
}
