package network.hydrogen.engine.graph;

/**
 * The floating-point precision the networks compute in. The graphs are fp32; on TensorRT, fp16 lets
 * TensorRT run layers in half precision. The CPU computes in fp32 only.
 */
public enum Precision {
  /** fp16 where the provider computes it from the fp32 graphs (TensorRT), else fp32. */
  AUTO,
  FP32,
  FP16
}
