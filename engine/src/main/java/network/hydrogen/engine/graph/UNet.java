package network.hydrogen.engine.graph;

import ai.onnxruntime.OnnxTensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import network.hydrogen.engine.model.UNetConfig;
import network.hydrogen.engine.model.WeightSource;

/**
 * A diffusers {@code UNet2DConditionModel} running on ONNX Runtime: one denoising call on a batch
 * of latents. One instance serves any batch size and latent size. Thread-safe; close it to release
 * the session.
 */
public final class UNet implements AutoCloseable {

  private final UNetConfig config;
  private final OnnxNetwork network;

  private UNet(UNetConfig config, OnnxNetwork network) {
    this.config = config;
    this.network = network;
  }

  /**
   * Builds the graph for {@code config} and opens a session on {@code weights}.
   *
   * @throws network.hydrogen.engine.model.ModelFormatException when a tensor is missing or has
   *     another shape than the config implies, or the config asks for a variant not built
   */
  public static UNet create(UNetConfig config, WeightSource weights, InferenceOptions options)
      throws IOException {
    return new UNet(config, OnnxNetwork.open("UNet", UNetGraph.build(config), weights, options));
  }

  public UNetConfig config() {
    return config;
  }

  /**
   * The model output (noise, v or sample, per the scheduler's prediction type) for {@code sample}
   * [batch, in_channels, h, w] at {@code timesteps} (one per batch item) given {@code
   * encoderHiddenStates} [batch, sequence, cross_attention_dim].
   */
  public FloatTensor predict(
      FloatTensor sample, float[] timesteps, FloatTensor encoderHiddenStates) {
    if (sample.rank() != 4 || sample.dim(1) != config.inChannels()) {
      throw new IllegalArgumentException(
          "sample must be [batch, "
              + config.inChannels()
              + ", height, width], got "
              + Arrays.toString(sample.shape()));
    }
    long batch = sample.dim(0);
    if (timesteps.length != batch) {
      throw new IllegalArgumentException(
          "need one timestep per batch item (" + batch + "), got " + timesteps.length);
    }
    long context = config.crossAttentionDim();
    if (encoderHiddenStates.rank() != 3
        || encoderHiddenStates.dim(0) != batch
        || encoderHiddenStates.dim(2) != context) {
      throw new IllegalArgumentException(
          "encoder hidden states must be ["
              + batch
              + ", sequence, "
              + context
              + "], got "
              + Arrays.toString(encoderHiddenStates.shape()));
    }
    Map<String, OnnxTensor> inputs =
        Map.of(
            UNetGraph.SAMPLE, network.floats(sample),
            UNetGraph.TIMESTEP, network.floats(timesteps, batch),
            UNetGraph.ENCODER_HIDDEN_STATES, network.floats(encoderHiddenStates));
    return network.run(inputs, UNetGraph.OUT).get(UNetGraph.OUT);
  }

  @Override
  public void close() {
    network.close();
  }
}
