package network.hydrogen.engine.graph;

/**
 * How ONNX Runtime runs the networks.
 *
 * @param intraOpThreads threads one operator may use; 0 lets ONNX Runtime choose (one per physical
 *     core)
 */
public record InferenceOptions(int intraOpThreads) {

  public InferenceOptions {
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must be >= 0, got " + intraOpThreads);
    }
  }

  /** ONNX Runtime's own choice of threads. */
  public static InferenceOptions defaults() {
    return new InferenceOptions(0);
  }
}
