package network.hydrogen.engine.graph;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.UNetConfig;

/**
 * Builds diffusers' {@code UNet2DConditionModel} (SD 1.x/2.x/XL shapes): sinusoidal time embedding
 * (plus SDXL's pooled-text and size conditioning), conv_in, down blocks with skip connections, the
 * cross-attention mid block, up blocks that concatenate the skips, conv_out. Batch, height, width
 * and context length are symbolic.
 */
final class UNetGraph {

  static final String SAMPLE = "sample";
  static final String TIMESTEP = "timestep";
  static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
  static final String TEXT_EMBEDS = "text_embeds";
  static final String TIME_IDS = "time_ids";
  static final String OUT = "out_sample";

  private static final double TRANSFORMER_GROUP_NORM_EPS = 1e-6;
  private static final double LAYER_NORM_EPS = 1e-5;

  /** The input that is added to skip connection {@code i} (a ControlNet's down residual). */
  static String downResidual(int i) {
    return "down_block_additional_residual_" + i;
  }

  /** The input that is added to the mid block's output (a ControlNet's mid residual). */
  static final String MID_RESIDUAL = "mid_block_additional_residual";

  private final UNetConfig config;
  private final GraphBuilder g;

  /**
   * Builds parts of a UNet with {@code config} into {@code g} (the ControlNet uses the encoder).
   */
  UNetGraph(UNetConfig config, GraphBuilder g) {
    this.config = config;
    this.g = g;
  }

  /**
   * Builds the graph of {@code config} without ControlNet residual inputs.
   *
   * @throws ModelFormatException when the config asks for a variant that the loader maps but that
   *     is not built yet (LCM's guidance embedding)
   */
  static NetworkGraph build(UNetConfig config) {
    return build(config, false);
  }

  /**
   * Builds the graph of {@code config}; with {@code controlResiduals}, it has one more input per
   * skip connection ({@link #downResidual}, shaped like that skip) and {@link #MID_RESIDUAL}, added
   * as diffusers adds a ControlNet's {@code down_block_additional_residuals} and {@code
   * mid_block_additional_residual}.
   *
   * @throws ModelFormatException when the config asks for a variant that the loader maps but that
   *     is not built yet (LCM's guidance embedding)
   */
  static NetworkGraph build(UNetConfig config, boolean controlResiduals) {
    if (config.timeCondProjDim() != null) {
      throw new ModelFormatException(
          "UNet time_cond_proj_dim "
              + config.timeCondProjDim()
              + " (LCM-distilled guidance embedding) is not built yet");
    }
    GraphBuilder g = new GraphBuilder("unet_2d_condition", ParameterLayout.unetShapes(config));
    return new UNetGraph(config, g).build(controlResiduals);
  }

  private NetworkGraph build(boolean controlResiduals) {
    inputs();
    String emb = embedding();
    List<String> skips = downPath(convIn(), emb);
    String x = skips.getLast();
    if (controlResiduals) {
      List<String> added = new ArrayList<>();
      for (int i = 0; i < skips.size(); i++) {
        g.input(
            downResidual(i),
            DataType.FLOAT,
            "batch",
            "skip_" + i,
            "skip_height_" + i,
            "skip_width_" + i);
        added.add(g.add(skips.get(i), downResidual(i)));
      }
      skips = added;
    }
    x = midBlock(x, emb);
    if (controlResiduals) {
      g.input(MID_RESIDUAL, DataType.FLOAT, "batch", "mid_channels", "mid_height", "mid_width");
      x = g.add(x, MID_RESIDUAL);
    }
    Deque<String> stack = new ArrayDeque<>();
    skips.forEach(stack::push);
    int levels = config.levels();
    for (int i = 0; i < levels; i++) {
      x = upBlock(i, x, emb, stack);
    }

    String h =
        Layers.silu(
            g, Layers.groupNorm(g, "conv_norm_out", x, config.normNumGroups(), config.normEps()));
    h = Layers.conv2d(g, "conv_out", h, 1, (config.convOutKernel() - 1) / 2);
    g.output(
        OUT, h, DataType.FLOAT, "batch", Long.toString(config.outChannels()), "height", "width");
    return g.build();
  }

  /** The sample, timestep and text inputs (SDXL: also the pooled text and time ids). */
  void inputs() {
    g.input(SAMPLE, DataType.FLOAT, "batch", Long.toString(config.inChannels()), "height", "width");
    g.input(TIMESTEP, DataType.FLOAT, "batch");
    g.input(ENCODER_HIDDEN_STATES, DataType.FLOAT, "batch", "sequence", "context_width");
    if (hasTextTime(config)) {
      g.input(TEXT_EMBEDS, DataType.FLOAT, "batch", "pooled_width");
      g.input(TIME_IDS, DataType.FLOAT, "batch", "time_ids");
    }
  }

  /** The embedding the resnets take: the time embedding, plus SDXL's added embedding. */
  String embedding() {
    String emb = timeEmbedding();
    return hasTextTime(config) ? g.add(emb, textTimeEmbedding()) : emb;
  }

  /** conv_in of the (centred, if the config says so) sample. */
  String convIn() {
    String x = SAMPLE;
    if (config.centerInputSample()) {
      x = g.sub(g.mul(x, g.scalar(2f)), g.scalar(1f));
    }
    return Layers.conv2d(g, "conv_in", x, 1, (config.convInKernel() - 1) / 2);
  }

  /**
   * The down blocks from {@code x} (conv_in's output): the skip connections in the order they are
   * made (the first is {@code x}, the last the down path's output).
   */
  List<String> downPath(String x, String emb) {
    Deque<String> skips = new ArrayDeque<>();
    skips.push(x);
    for (int i = 0; i < config.levels(); i++) {
      x = downBlock(i, x, emb, skips);
    }
    return List.copyOf(skips.reversed());
  }

  /**
   * diffusers' {@code get_timestep_embedding} then {@code TimestepEmbedding} (linear, SiLU,
   * linear). The frequencies are computed in float32 exactly as torch does, so that the phases
   * {@code t * f} of large timesteps agree bit for bit.
   */
  private String timeEmbedding() {
    String projected =
        sinusoidalEmbedding(g.unsqueeze(TIMESTEP, 1), 2, config.blockOutChannels().getFirst());
    String h = Layers.linear(g, "time_embedding.linear_1", projected, true);
    return Layers.linear(g, "time_embedding.linear_2", Layers.silu(g, h), true);
  }

  static boolean hasTextTime(UNetConfig config) {
    return "text_time".equals(config.additionEmbedType());
  }

  /**
   * SDXL's {@code text_time} added embedding: each time id embedded like a timestep ({@code
   * addition_time_embed_dim} wide, the config's flip and shift), flattened in id order after the
   * pooled text embedding, then {@code add_embedding} (linear, SiLU, linear).
   */
  private String textTimeEmbedding() {
    String ids = sinusoidalEmbedding(g.unsqueeze(TIME_IDS, 2), 3, config.additionTimeEmbedDim());
    String added = g.concat(1, TEXT_EMBEDS, g.reshape(ids, 0, -1));
    String h = Layers.linear(g, "add_embedding.linear_1", added, true);
    return Layers.linear(g, "add_embedding.linear_2", Layers.silu(g, h), true);
  }

  /**
   * diffusers' {@code get_timestep_embedding} of {@code values} (whose last axis has size 1, rank
   * {@code rank}) along a new last axis of {@code dim}. The frequencies are computed in float32 as
   * torch does, so that the phases {@code t * f} of large values agree bit for bit.
   */
  private String sinusoidalEmbedding(String values, int rank, int dim) {
    int half = dim / 2;
    float logMaxPeriod = (float) -Math.log(10000);
    float[] frequencies = new float[half];
    for (int i = 0; i < half; i++) {
      float exponent = (logMaxPeriod * i) / (float) (half - config.freqShift());
      frequencies[i] = (float) Math.exp(exponent);
    }
    String phases = g.mul(values, g.constant(frequencies, 1, half));
    String sin = g.node("Sin", List.of(phases));
    String cos = g.node("Cos", List.of(phases));
    int last = rank - 1;
    String projected = config.flipSinToCos() ? g.concat(last, cos, sin) : g.concat(last, sin, cos);
    if (dim % 2 == 1) {
      long[] pads = new long[2 * rank];
      pads[2 * rank - 1] = 1;
      projected = g.node("Pad", List.of(projected, g.ints(pads)));
    }
    return projected;
  }

  private String resnet(String prefix, String x, String emb, double outputScale) {
    return Blocks.resnet(g, prefix, x, emb, config.normNumGroups(), config.normEps(), outputScale);
  }

  private String downBlock(int i, String x, String emb, Deque<String> skips) {
    String prefix = "down_blocks." + i;
    boolean cross = config.downBlockTypes().get(i).equals(UNetConfig.CROSS_ATTN_DOWN);
    for (int layer = 0; layer < config.layersPerBlock(); layer++) {
      x = resnet(prefix + ".resnets." + layer, x, emb, 1.0);
      if (cross) {
        x =
            transformer(
                prefix + ".attentions." + layer,
                x,
                config.headsAt(i),
                config.transformerLayersPerBlock().get(i));
      }
      skips.push(x);
    }
    if (i < config.levels() - 1) {
      x = Blocks.downsample(g, prefix + ".downsamplers.0", x, config.downsamplePadding());
      skips.push(x);
    }
    return x;
  }

  String midBlock(String x, String emb) {
    double scale = config.midBlockScaleFactor();
    x = resnet("mid_block.resnets.0", x, emb, scale);
    x = transformer("mid_block.attentions.0", x, config.midHeads(), config.midTransformerLayers());
    return resnet("mid_block.resnets.1", x, emb, scale);
  }

  private String upBlock(int i, String x, String emb, Deque<String> skips) {
    int mirrored = config.levels() - 1 - i;
    String prefix = "up_blocks." + i;
    boolean cross = config.upBlockTypes().get(i).equals(UNetConfig.CROSS_ATTN_UP);
    for (int layer = 0; layer <= config.layersPerBlock(); layer++) {
      x = g.concat(1, x, skips.pop());
      x = resnet(prefix + ".resnets." + layer, x, emb, 1.0);
      if (cross) {
        x =
            transformer(
                prefix + ".attentions." + layer,
                x,
                config.headsAt(mirrored),
                config.upTransformerLayers(i));
      }
    }
    if (i < config.levels() - 1) {
      x = Blocks.upsample(g, prefix + ".upsamplers.0", x, skips.peek());
    }
    return x;
  }

  /**
   * {@code Transformer2DModel} with {@code heads} heads and {@code depth} blocks: GroupNorm,
   * proj_in (1x1 conv or linear), BasicTransformerBlocks, proj_out, residual.
   */
  private String transformer(String prefix, String x, long heads, int depth) {
    String normed =
        Layers.groupNorm(
            g, prefix + ".norm", x, config.normNumGroups(), TRANSFORMER_GROUP_NORM_EPS);
    // proj_in's weight is [inner, channels] (linear) or [inner, channels, 1, 1] (conv)
    long[] projIn = g.dims(prefix + ".proj_in.weight");
    long inner = projIn[0];
    String tokens;
    String spatialShape;
    if (config.useLinearProjection()) {
      String nhwc = g.transpose(normed, 0, 2, 3, 1);
      spatialShape = g.shape(nhwc);
      tokens = Layers.linear(g, prefix + ".proj_in", g.reshape(nhwc, 0, -1, projIn[1]), true);
    } else {
      String projected = Layers.conv2d(g, prefix + ".proj_in", normed, 1, 0);
      String nhwc = g.transpose(projected, 0, 2, 3, 1);
      spatialShape = g.shape(nhwc);
      tokens = g.reshape(nhwc, 0, -1, inner);
    }
    long headDim = inner / heads;
    for (int block = 0; block < depth; block++) {
      tokens = transformerBlock(prefix + ".transformer_blocks." + block, tokens, heads, headDim);
    }
    String out;
    if (config.useLinearProjection()) {
      String projected = Layers.linear(g, prefix + ".proj_out", tokens, true);
      out = g.transpose(g.reshapeTo(projected, spatialShape), 0, 3, 1, 2);
    } else {
      String spatial = g.transpose(g.reshapeTo(tokens, spatialShape), 0, 3, 1, 2);
      out = Layers.conv2d(g, prefix + ".proj_out", spatial, 1, 0);
    }
    return g.add(out, x);
  }

  /** {@code BasicTransformerBlock}: LN, self-attention; LN, cross-attention; LN, GEGLU MLP. */
  private String transformerBlock(String prefix, String x, long heads, long headDim) {
    String h = Layers.layerNorm(g, prefix + ".norm1", x, LAYER_NORM_EPS);
    x = g.add(attention(prefix + ".attn1", h, h, heads, headDim), x);
    h = Layers.layerNorm(g, prefix + ".norm2", x, LAYER_NORM_EPS);
    x = g.add(attention(prefix + ".attn2", h, ENCODER_HIDDEN_STATES, heads, headDim), x);
    h = Layers.layerNorm(g, prefix + ".norm3", x, LAYER_NORM_EPS);
    return g.add(feedForward(prefix + ".ff", h), x);
  }

  /** diffusers {@code Attention} without q/k/v biases, with an output projection and bias. */
  private String attention(String prefix, String x, String context, long heads, long headDim) {
    String q = Layers.linear(g, prefix + ".to_q", x, false);
    String k = Layers.linear(g, prefix + ".to_k", context, false);
    String v = Layers.linear(g, prefix + ".to_v", context, false);
    String attended = Layers.attention(g, q, k, v, heads, headDim, null);
    return Layers.linear(g, prefix + ".to_out.0", attended, true);
  }

  /** {@code FeedForward} with GEGLU: proj to 2 x inner, value * gelu(gate), proj back. */
  private String feedForward(String prefix, String x) {
    String projected = Layers.linear(g, prefix + ".net.0.proj", x, true);
    List<String> halves =
        g.nodeOutputs("Split", List.of(projected), 2, GraphBuilder.attr("axis", -1L));
    String gated = g.mul(halves.get(0), Layers.gelu(g, halves.get(1)));
    return Layers.linear(g, prefix + ".net.2", gated, true);
  }
}
