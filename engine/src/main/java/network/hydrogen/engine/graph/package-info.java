/**
 * The Stable Diffusion networks as ONNX graphs built in Java from the diffusers configs, run on
 * ONNX Runtime with the checkpoint's tensors handed over as external initializers (never serialized
 * into the graph).
 *
 * <p>{@link network.hydrogen.engine.graph.TextEncoder}, {@link network.hydrogen.engine.graph.UNet},
 * {@link network.hydrogen.engine.graph.VaeDecoder} and {@link
 * network.hydrogen.engine.graph.VaeEncoder} each take the model package's config record ({@link
 * network.hydrogen.engine.model.ClipTextConfig}, {@link network.hydrogen.engine.model.UNetConfig},
 * {@link network.hydrogen.engine.model.VaeConfig}), the component's weights and {@link
 * network.hydrogen.engine.graph.InferenceOptions}. Every weight the graph declares takes its name
 * and shape from {@link network.hydrogen.engine.model.ParameterLayout}, the one description of the
 * parameters a config requires, and the weights are checked against it before the session opens.
 * Batch and spatial sizes are symbolic, so one session serves every image size. The options also
 * choose the execution provider (CPU, CUDA, TensorRT; by default the best one the ONNX Runtime
 * build offers and the machine can start) and the precision.
 */
package network.hydrogen.engine.graph;
