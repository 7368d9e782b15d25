package network.hydrogen.engine.graph;

import ai.onnxruntime.OnnxTensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.UNetConfig;
import network.hydrogen.engine.model.WeightSource;

/**
 * A diffusers {@code UNet2DConditionModel} running on ONNX Runtime: one denoising call on a batch
 * of latents. One instance serves any batch size and latent size. Thread-safe; close it to release
 * the session.
 */
public final class UNet implements AutoCloseable {

  /**
   * SDXL's added conditioning ({@code addition_embed_type: text_time}), one row per batch item.
   *
   * @param textEmbeds [batch, pooled width]: the second text encoder's projected pooled output
   * @param timeIds [batch, ids]: the size and crop conditioning (base: original height and width,
   *     crop top and left, target height and width)
   */
  public record AddedConditioning(FloatTensor textEmbeds, FloatTensor timeIds) {}

  private final UNetConfig config;
  private final OnnxNetwork network;
  private final boolean controlInputs;

  private UNet(UNetConfig config, OnnxNetwork network, boolean controlInputs) {
    this.config = config;
    this.network = network;
    this.controlInputs = controlInputs;
  }

  /**
   * Builds the graph for {@code config} and opens a session on {@code weights}.
   *
   * @throws network.hydrogen.engine.model.ModelFormatException when a tensor is missing or has
   *     another shape than the config implies, or the config asks for a variant not built
   */
  public static UNet create(UNetConfig config, WeightSource weights, InferenceOptions options)
      throws IOException {
    return new UNet(
        config, OnnxNetwork.open("UNet", UNetGraph.build(config), weights, options), false);
  }

  /**
   * As {@link #create}, with inputs for a ControlNet's residuals: every call then needs them
   * ({@link #predict(FloatTensor, float[], FloatTensor, AddedConditioning, ControlNet.Residuals)}).
   */
  public static UNet createWithControl(
      UNetConfig config, WeightSource weights, InferenceOptions options) throws IOException {
    return new UNet(
        config, OnnxNetwork.open("UNet", UNetGraph.build(config, true), weights, options), true);
  }

  public UNetConfig config() {
    return config;
  }

  /**
   * The model output (noise, v or sample, per the scheduler's prediction type) for {@code sample}
   * [batch, in_channels, h, w] at {@code timesteps} (one per batch item) given {@code
   * encoderHiddenStates} [batch, sequence, cross_attention_dim]. For UNets without added
   * conditioning (SD 1.x/2.x).
   */
  public FloatTensor predict(
      FloatTensor sample, float[] timesteps, FloatTensor encoderHiddenStates) {
    return predict(sample, timesteps, encoderHiddenStates, null);
  }

  /**
   * {@link #predict(FloatTensor, float[], FloatTensor)} with the added conditioning {@code added},
   * which an SDXL UNet requires and others refuse.
   */
  public FloatTensor predict(
      FloatTensor sample,
      float[] timesteps,
      FloatTensor encoderHiddenStates,
      AddedConditioning added) {
    return predict(sample, timesteps, encoderHiddenStates, added, null);
  }

  /**
   * The model output with a ControlNet's {@code residuals} added to the skip connections and the
   * mid block's output: required by a UNet made with {@link #createWithControl}, refused by others.
   */
  public FloatTensor predict(
      FloatTensor sample,
      float[] timesteps,
      FloatTensor encoderHiddenStates,
      AddedConditioning added,
      ControlNet.Residuals residuals) {
    if (controlInputs != (residuals != null)) {
      throw new IllegalArgumentException(
          controlInputs
              ? "this UNet was built with ControlNet inputs and needs the residuals"
              : "this UNet was built without ControlNet inputs (UNet.createWithControl)");
    }
    int skips = ParameterLayout.skipChannels(config).size();
    if (residuals != null && residuals.down().size() != skips) {
      throw new IllegalArgumentException(
          "this UNet has "
              + skips
              + " skip connections, got "
              + residuals.down().size()
              + " down residuals");
    }
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
    Map<String, OnnxTensor> inputs = new HashMap<>();
    inputs.put(UNetGraph.SAMPLE, network.floats(sample));
    inputs.put(UNetGraph.TIMESTEP, network.floats(timesteps, batch));
    inputs.put(UNetGraph.ENCODER_HIDDEN_STATES, network.floats(encoderHiddenStates));
    putAdded(config, network, inputs, added, batch);
    if (residuals != null) {
      for (int i = 0; i < skips; i++) {
        inputs.put(UNetGraph.downResidual(i), network.floats(residuals.down().get(i)));
      }
      inputs.put(UNetGraph.MID_RESIDUAL, network.floats(residuals.mid()));
    }
    return network.run(inputs, UNetGraph.OUT).get(UNetGraph.OUT);
  }

  /**
   * Adds {@code added} to a UNet-shaped network's {@code inputs} (the UNet's or a ControlNet's):
   * required by a {@code text_time} config, refused by others.
   */
  static void putAdded(
      UNetConfig config,
      OnnxNetwork network,
      Map<String, OnnxTensor> inputs,
      AddedConditioning added,
      long batch) {
    if (!UNetGraph.hasTextTime(config)) {
      if (added != null) {
        throw new IllegalArgumentException(
            "this network has no added conditioning (addition_embed_type is not text_time)");
      }
      return;
    }
    checkAdded(config, added, batch);
    inputs.put(UNetGraph.TEXT_EMBEDS, network.floats(added.textEmbeds()));
    inputs.put(UNetGraph.TIME_IDS, network.floats(added.timeIds()));
  }

  /** The pooled width plus the embedded time ids must fill add_embedding's input. */
  private static void checkAdded(UNetConfig config, AddedConditioning added, long batch) {
    if (added == null) {
      throw new IllegalArgumentException(
          "this SDXL-style UNet (addition_embed_type text_time) needs text_embeds and time_ids");
    }
    FloatTensor text = added.textEmbeds();
    FloatTensor ids = added.timeIds();
    if (text.rank() != 2 || ids.rank() != 2 || text.dim(0) != batch || ids.dim(0) != batch) {
      throw new IllegalArgumentException(
          "text_embeds and time_ids must be ["
              + batch
              + ", n], got "
              + Arrays.toString(text.shape())
              + " and "
              + Arrays.toString(ids.shape()));
    }
    long width = text.dim(1) + ids.dim(1) * config.additionTimeEmbedDim();
    if (width != config.projectionClassEmbeddingsInputDim()) {
      throw new IllegalArgumentException(
          "text_embeds width "
              + text.dim(1)
              + " plus "
              + ids.dim(1)
              + " time ids x "
              + config.additionTimeEmbedDim()
              + " = "
              + width
              + ", but projection_class_embeddings_input_dim is "
              + config.projectionClassEmbeddingsInputDim());
    }
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
