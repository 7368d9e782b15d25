package network.hydrogen.engine.graph;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import network.hydrogen.engine.model.ModelFormatException;

/**
 * Builds diffusers' {@code UNet2DConditionModel} (SD 1.x/2.x shapes): sinusoidal time embedding,
 * conv_in, down blocks with skip connections, the cross-attention mid block, up blocks that
 * concatenate the skips, conv_out. Batch, height, width and context length are symbolic.
 */
final class UNetGraph {

  static final String SAMPLE = "sample";
  static final String TIMESTEP = "timestep";
  static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
  static final String OUT = "out_sample";

  private static final double TRANSFORMER_GROUP_NORM_EPS = 1e-6;
  private static final int FEED_FORWARD_MULT = 4;

  /** A feature map and its channel count. */
  private record Feature(String value, long channels) {}

  private final UNetConfig config;
  private final GraphBuilder g = new GraphBuilder("unet_2d_condition");

  private UNetGraph(UNetConfig config) {
    this.config = config;
  }

  static NetworkGraph build(UNetConfig config) {
    if (config.additionEmbedType() != null) {
      throw new ModelFormatException(
          "UNet addition_embed_type \""
              + config.additionEmbedType()
              + "\" (SDXL-style added conditioning) is not built yet");
    }
    return new UNetGraph(config).build();
  }

  private NetworkGraph build() {
    g.input(SAMPLE, DataType.FLOAT, "batch", Long.toString(config.inChannels()), "height", "width");
    g.input(TIMESTEP, DataType.FLOAT, "batch");
    g.input(ENCODER_HIDDEN_STATES, DataType.FLOAT, "batch", "sequence", "context_width");

    // SDXL's added conditioning (addition_embed_type text_time) will be summed into emb here.
    String emb = timeEmbedding();
    String sample = SAMPLE;
    if (config.centerInputSample()) {
      sample = g.sub(g.mul(sample, g.scalar(2f)), g.scalar(1f));
    }
    long first = config.blockOutChannels().getFirst();
    Feature x =
        new Feature(
            Layers.conv2d(
                g,
                "conv_in",
                sample,
                config.inChannels(),
                first,
                config.convInKernel(),
                1,
                (config.convInKernel() - 1) / 2),
            first);

    Deque<Feature> skips = new ArrayDeque<>();
    skips.push(x);
    int blocks = config.blocks();
    for (int i = 0; i < blocks; i++) {
      x = downBlock(i, x, emb, skips);
    }
    // ControlNet residuals will be added to the skips and to the mid block's output here.
    if (config.midBlockType() != null) {
      x = midBlock(x, emb);
    }
    for (int i = 0; i < blocks; i++) {
      x = upBlock(i, x, emb, skips);
    }

    String h =
        Layers.silu(
            g,
            Layers.groupNorm(
                g, "conv_norm_out", x.value(), first, config.normNumGroups(), config.normEps()));
    h =
        Layers.conv2d(
            g,
            "conv_out",
            h,
            first,
            config.outChannels(),
            config.convOutKernel(),
            1,
            (config.convOutKernel() - 1) / 2);
    g.output(
        OUT, h, DataType.FLOAT, "batch", Long.toString(config.outChannels()), "height", "width");
    return g.build();
  }

  /**
   * diffusers' {@code get_timestep_embedding} then {@code TimestepEmbedding} (linear, SiLU,
   * linear). The frequencies are computed in float32 exactly as torch does, so that the phases
   * {@code t * f} of large timesteps agree bit for bit.
   */
  private String timeEmbedding() {
    int dim = config.blockOutChannels().getFirst();
    int half = dim / 2;
    float logMaxPeriod = (float) -Math.log(10000);
    float[] frequencies = new float[half];
    for (int i = 0; i < half; i++) {
      float exponent = (logMaxPeriod * i) / (float) (half - config.freqShift());
      frequencies[i] = (float) Math.exp(exponent);
    }
    String phases = g.mul(g.unsqueeze(TIMESTEP, 1), g.constant(frequencies, 1, half));
    String sin = g.node("Sin", List.of(phases));
    String cos = g.node("Cos", List.of(phases));
    String projected = config.flipSinToCos() ? g.concat(1, cos, sin) : g.concat(1, sin, cos);
    if (dim % 2 == 1) {
      projected = g.node("Pad", List.of(projected, g.ints(0, 0, 0, 1)));
    }
    long width = config.timeEmbeddingDim();
    String h = Layers.linear(g, "time_embedding.linear_1", projected, dim, width, true);
    return Layers.linear(g, "time_embedding.linear_2", Layers.silu(g, h), width, width, true);
  }

  private Feature resnet(String prefix, Feature x, long out, String emb, double outputScale) {
    return new Feature(
        Blocks.resnet(
            g,
            prefix,
            x.value(),
            x.channels(),
            out,
            emb,
            config.timeEmbeddingDim(),
            config.normNumGroups(),
            config.normEps(),
            outputScale),
        out);
  }

  private Feature downBlock(int i, Feature x, String emb, Deque<Feature> skips) {
    String prefix = "down_blocks." + i;
    long out = config.blockOutChannels().get(i);
    boolean cross = config.downBlockTypes().get(i).equals(UNetConfig.CROSS_ATTN_DOWN);
    for (int layer = 0; layer < config.layersPerBlock().get(i); layer++) {
      x = resnet(prefix + ".resnets." + layer, x, out, emb, 1.0);
      if (cross) {
        x = transformer(prefix + ".attentions." + layer, x, i);
      }
      skips.push(x);
    }
    if (i < config.blocks() - 1) {
      x =
          new Feature(
              Blocks.downsample(
                  g, prefix + ".downsamplers.0", x.value(), out, config.downsamplePadding()),
              out);
      skips.push(x);
    }
    return x;
  }

  private Feature midBlock(Feature x, String emb) {
    int last = config.blocks() - 1;
    double scale = config.midBlockScaleFactor();
    x = resnet("mid_block.resnets.0", x, x.channels(), emb, scale);
    x = transformer("mid_block.attentions.0", x, last);
    return resnet("mid_block.resnets.1", x, x.channels(), emb, scale);
  }

  private Feature upBlock(int i, Feature x, String emb, Deque<Feature> skips) {
    int mirrored = config.blocks() - 1 - i;
    String prefix = "up_blocks." + i;
    long out = config.blockOutChannels().get(mirrored);
    boolean cross = config.upBlockTypes().get(i).equals(UNetConfig.CROSS_ATTN_UP);
    for (int layer = 0; layer <= config.layersPerBlock().get(mirrored); layer++) {
      Feature skip = skips.pop();
      x = new Feature(g.concat(1, x.value(), skip.value()), x.channels() + skip.channels());
      x = resnet(prefix + ".resnets." + layer, x, out, emb, 1.0);
      if (cross) {
        x = transformer(prefix + ".attentions." + layer, x, mirrored);
      }
    }
    if (i < config.blocks() - 1) {
      x =
          new Feature(
              Blocks.upsample(g, prefix + ".upsamplers.0", x.value(), out, skips.peek().value()),
              out);
    }
    return x;
  }

  /**
   * {@code Transformer2DModel} for the level {@code level}'s heads, depth and context width:
   * GroupNorm, proj_in (1x1 conv or linear), BasicTransformerBlocks, proj_out, residual.
   */
  private Feature transformer(String prefix, Feature x, int level) {
    long channels = x.channels();
    long heads = config.numAttentionHeads().get(level);
    long headDim = channels / heads;
    long inner = heads * headDim;
    String normed =
        Layers.groupNorm(
            g,
            prefix + ".norm",
            x.value(),
            channels,
            config.normNumGroups(),
            TRANSFORMER_GROUP_NORM_EPS);
    String tokens;
    String spatialShape;
    if (config.useLinearProjection()) {
      String nhwc = g.transpose(normed, 0, 2, 3, 1);
      spatialShape = g.shape(nhwc);
      tokens =
          Layers.linear(
              g, prefix + ".proj_in", g.reshape(nhwc, 0, -1, channels), channels, inner, true);
    } else {
      String projected = Layers.conv2d(g, prefix + ".proj_in", normed, channels, inner, 1, 1, 0);
      String nhwc = g.transpose(projected, 0, 2, 3, 1);
      spatialShape = g.shape(nhwc);
      tokens = g.reshape(nhwc, 0, -1, inner);
    }
    long context = config.crossAttentionDim().get(level);
    for (int block = 0; block < config.transformerLayersPerBlock().get(level); block++) {
      tokens =
          transformerBlock(
              prefix + ".transformer_blocks." + block, tokens, inner, heads, headDim, context);
    }
    String out;
    if (config.useLinearProjection()) {
      String projected = Layers.linear(g, prefix + ".proj_out", tokens, inner, channels, true);
      out = g.transpose(g.reshapeTo(projected, spatialShape), 0, 3, 1, 2);
    } else {
      String spatial = g.transpose(g.reshapeTo(tokens, spatialShape), 0, 3, 1, 2);
      out = Layers.conv2d(g, prefix + ".proj_out", spatial, inner, channels, 1, 1, 0);
    }
    return new Feature(g.add(out, x.value()), channels);
  }

  /** {@code BasicTransformerBlock}: LN, self-attention; LN, cross-attention; LN, GEGLU MLP. */
  private String transformerBlock(
      String prefix, String x, long dim, long heads, long headDim, long context) {
    double eps = 1e-5;
    String h = Layers.layerNorm(g, prefix + ".norm1", x, dim, eps);
    x = g.add(attention(prefix + ".attn1", h, h, dim, dim, heads, headDim), x);
    h = Layers.layerNorm(g, prefix + ".norm2", x, dim, eps);
    x =
        g.add(
            attention(prefix + ".attn2", h, ENCODER_HIDDEN_STATES, dim, context, heads, headDim),
            x);
    h = Layers.layerNorm(g, prefix + ".norm3", x, dim, eps);
    return g.add(feedForward(prefix + ".ff", h, dim), x);
  }

  /** diffusers {@code Attention} without q/k/v biases, with an output projection and bias. */
  private String attention(
      String prefix,
      String x,
      String context,
      long dim,
      long contextDim,
      long heads,
      long headDim) {
    long inner = heads * headDim;
    String q = Layers.linear(g, prefix + ".to_q", x, dim, inner, false);
    String k = Layers.linear(g, prefix + ".to_k", context, contextDim, inner, false);
    String v = Layers.linear(g, prefix + ".to_v", context, contextDim, inner, false);
    String attended = Layers.attention(g, q, k, v, heads, headDim, null);
    return Layers.linear(g, prefix + ".to_out.0", attended, inner, dim, true);
  }

  /** {@code FeedForward} with GEGLU: proj to 2 x inner, value * gelu(gate), proj back. */
  private String feedForward(String prefix, String x, long dim) {
    long inner = dim * FEED_FORWARD_MULT;
    String projected = Layers.linear(g, prefix + ".net.0.proj", x, dim, 2 * inner, true);
    List<String> halves =
        g.nodeOutputs("Split", List.of(projected), 2, GraphBuilder.attr("axis", -1L));
    String gated = g.mul(halves.get(0), Layers.gelu(g, halves.get(1)));
    return Layers.linear(g, prefix + ".net.2", gated, inner, dim, true);
  }
}
