/**
 * The Stable Diffusion networks as ONNX graphs built in Java from the diffusers configs, run on
 * ONNX Runtime with the checkpoint's tensors handed over as external initializers (never serialized
 * into the graph).
 *
 * <p>{@link network.hydrogen.engine.graph.TextEncoder}, {@link network.hydrogen.engine.graph.UNet},
 * {@link network.hydrogen.engine.graph.VaeDecoder} and {@link
 * network.hydrogen.engine.graph.VaeEncoder} each take their config record ({@link
 * network.hydrogen.engine.graph.ClipTextConfig}, {@link network.hydrogen.engine.graph.UNetConfig},
 * {@link network.hydrogen.engine.graph.AutoencoderConfig}), the component's weights and {@link
 * network.hydrogen.engine.graph.InferenceOptions}. Their static {@code parameters(config)} list
 * every tensor (diffusers name and shape) the config needs, without weights: the one description
 * from which the graph is built, the checkpoint is checked ({@link
 * network.hydrogen.engine.graph.Parameters#check}) and random checkpoints can be written. Batch and
 * spatial sizes are symbolic, so one session serves every image size.
 */
package network.hydrogen.engine.graph;
