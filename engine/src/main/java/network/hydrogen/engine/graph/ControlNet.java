package network.hydrogen.engine.graph;

import ai.onnxruntime.OnnxTensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.model.ControlNetConfig;
import network.hydrogen.engine.model.WeightSource;

/**
 * A diffusers {@code ControlNetModel} running on ONNX Runtime: from the latents, timesteps, text
 * conditioning and a control image it computes the residuals a UNet built with control inputs
 * ({@link UNet#createWithControl}) adds to its skip connections and mid block. Thread-safe; close
 * it to release the session.
 */
public final class ControlNet implements AutoCloseable {

  /**
   * The residuals of one ControlNet call, already multiplied by the conditioning scale.
   *
   * @param down one per UNet skip connection, in the order the down path makes them
   * @param mid the mid block's
   */
  public record Residuals(List<FloatTensor> down, FloatTensor mid) {
    public Residuals {
      down = List.copyOf(down);
    }
  }

  private final ControlNetConfig config;
  private final OnnxNetwork network;

  private ControlNet(ControlNetConfig config, OnnxNetwork network) {
    this.config = config;
    this.network = network;
  }

  /**
   * Builds the graph for {@code config} and opens a session on {@code weights}.
   *
   * @throws network.hydrogen.engine.model.ModelFormatException when a tensor is missing or has
   *     another shape than the config implies
   */
  public static ControlNet create(
      ControlNetConfig config, WeightSource weights, InferenceOptions options) throws IOException {
    return new ControlNet(
        config, OnnxNetwork.open("ControlNet", ControlNetGraph.build(config), weights, options));
  }

  public ControlNetConfig config() {
    return config;
  }

  /**
   * The residuals for {@code sample} [batch, in_channels, h, w] at {@code timesteps} (one per
   * item), {@code encoderHiddenStates} [batch, sequence, cross_attention_dim] and {@code
   * controlImage} [batch, conditioning_channels, 8h, 8w] (values in [0, 1], in the channel order
   * the model wants), scaled by {@code scale}. For ControlNets without added conditioning (SD
   * 1.x/2.x).
   */
  public Residuals residuals(
      FloatTensor sample,
      float[] timesteps,
      FloatTensor encoderHiddenStates,
      FloatTensor controlImage,
      float scale) {
    return residuals(sample, timesteps, encoderHiddenStates, null, controlImage, scale);
  }

  /**
   * {@link #residuals(FloatTensor, float[], FloatTensor, FloatTensor, float)} with the added
   * conditioning {@code added} (the UNet's text embeds and time ids), which an SDXL ControlNet
   * ({@code addition_embed_type: text_time}) requires and others refuse.
   */
  public Residuals residuals(
      FloatTensor sample,
      float[] timesteps,
      FloatTensor encoderHiddenStates,
      UNet.AddedConditioning added,
      FloatTensor controlImage,
      float scale) {
    long batch = sample.dim(0);
    if (sample.rank() != 4 || sample.dim(1) != config.unet().inChannels()) {
      throw new IllegalArgumentException(
          "sample must be [batch, "
              + config.unet().inChannels()
              + ", height, width], got "
              + Arrays.toString(sample.shape()));
    }
    if (timesteps.length != batch) {
      throw new IllegalArgumentException(
          "need one timestep per batch item (" + batch + "), got " + timesteps.length);
    }
    if (encoderHiddenStates.rank() != 3
        || encoderHiddenStates.dim(0) != batch
        || encoderHiddenStates.dim(2) != config.unet().crossAttentionDim()) {
      throw new IllegalArgumentException(
          "encoder hidden states must be ["
              + batch
              + ", sequence, "
              + config.unet().crossAttentionDim()
              + "], got "
              + Arrays.toString(encoderHiddenStates.shape()));
    }
    if (controlImage.rank() != 4
        || controlImage.dim(0) != batch
        || controlImage.dim(1) != config.conditioningChannels()
        || controlImage.dim(2) != 8 * sample.dim(2)
        || controlImage.dim(3) != 8 * sample.dim(3)) {
      throw new IllegalArgumentException(
          "the control image must be ["
              + batch
              + ", "
              + config.conditioningChannels()
              + ", "
              + 8 * sample.dim(2)
              + ", "
              + 8 * sample.dim(3)
              + "] (8 x the latent size), got "
              + Arrays.toString(controlImage.shape()));
    }
    Map<String, OnnxTensor> inputs = new HashMap<>();
    inputs.put(UNetGraph.SAMPLE, network.floats(sample));
    inputs.put(UNetGraph.TIMESTEP, network.floats(timesteps, batch));
    inputs.put(UNetGraph.ENCODER_HIDDEN_STATES, network.floats(encoderHiddenStates));
    UNet.putAdded(config.unet(), network, inputs, added, batch);
    inputs.put(ControlNetGraph.CONTROLNET_COND, network.floats(controlImage));
    inputs.put(ControlNetGraph.CONDITIONING_SCALE, network.floats(new float[] {scale}, 1));
    int count = config.downResiduals();
    String[] outputs = new String[count + 1];
    for (int i = 0; i < count; i++) {
      outputs[i] = ControlNetGraph.downOutput(i);
    }
    outputs[count] = ControlNetGraph.MID;
    Map<String, FloatTensor> results = network.run(inputs, outputs);
    List<FloatTensor> down = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      down.add(results.get(outputs[i]));
    }
    return new Residuals(down, results.get(ControlNetGraph.MID));
  }

  /**
   * Frees the session of a network loaded on demand ({@link MemoryMode#SEQUENTIAL}) until its next
   * call; a resident network stays loaded.
   */
  public void unload() {
    network.unload();
  }

  @Override
  public void close() {
    network.close();
  }
}
