package network.hydrogen.engine.graph;

/**
 * The floating-point precision the networks compute in. The graphs and weights are fp32; a GPU
 * provider may trade precision for speed: TensorRT with fp16 layers, CUDA with TF32 tensor-core
 * math (Ampere and newer). The CPU computes in fp32 only.
 */
public enum Precision {
  /** The fastest the provider offers: fp16 layers on TensorRT, TF32 on CUDA, fp32 on the CPU. */
  AUTO,
  /** fp32: no fp16 layers on TensorRT, no TF32 on CUDA. */
  FP32,
  /** fp16 layers; only TensorRT computes the graphs in fp16. */
  FP16
}
