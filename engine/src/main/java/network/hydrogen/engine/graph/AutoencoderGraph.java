package network.hydrogen.engine.graph;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;
import network.hydrogen.engine.model.ParameterLayout;
import network.hydrogen.engine.model.VaeConfig;

/**
 * Builds the two halves of diffusers' {@code AutoencoderKL}: the decoder (post_quant_conv, conv_in,
 * mid block, up blocks, conv_out) and the encoder (conv_in, down blocks, mid block, conv_out,
 * quant_conv, then the diagonal Gaussian's mean and standard deviation). Batch, height and width
 * are symbolic.
 */
final class AutoencoderGraph {

  static final String LATENTS = "latents";
  static final String IMAGE = "image";
  static final String SAMPLE = "sample";
  static final String MEAN = "mean";
  static final String STD = "std";

  /** The VAE's resnets and norms use this epsilon whatever the config says. */
  private static final double EPS = 1e-6;

  private final VaeConfig config;
  private final GraphBuilder g;

  private AutoencoderGraph(VaeConfig config, String name) {
    this.config = config;
    this.g = new GraphBuilder(name, ParameterLayout.vaeShapes(config));
  }

  static NetworkGraph decoder(VaeConfig config) {
    return new AutoencoderGraph(config, "autoencoder_kl_decoder").buildDecoder();
  }

  static NetworkGraph encoder(VaeConfig config) {
    return new AutoencoderGraph(config, "autoencoder_kl_encoder").buildEncoder();
  }

  private NetworkGraph buildDecoder() {
    long latent = config.latentChannels();
    g.input(LATENTS, DataType.FLOAT, "batch", Long.toString(latent), "height", "width");
    String x = LATENTS;
    if (config.usePostQuantConv()) {
      x = Layers.conv2d(g, "post_quant_conv", x, 1, 0);
    }
    List<Integer> channels = config.blockOutChannels();
    x = Layers.conv2d(g, "decoder.conv_in", x, 1, 1);
    x = midBlock("decoder.mid_block", x);
    for (int i = 0; i < channels.size(); i++) {
      String prefix = "decoder.up_blocks." + i;
      for (int layer = 0; layer <= config.layersPerBlock(); layer++) {
        x = resnet(prefix + ".resnets." + layer, x);
      }
      if (i < channels.size() - 1) {
        x = Blocks.upsample(g, prefix + ".upsamplers.0", x, null);
      }
    }
    x = outputHead("decoder", x);
    g.output(
        SAMPLE,
        x,
        DataType.FLOAT,
        "batch",
        Long.toString(config.outChannels()),
        "out_height",
        "out_width");
    return g.build();
  }

  private NetworkGraph buildEncoder() {
    g.input(IMAGE, DataType.FLOAT, "batch", Long.toString(config.inChannels()), "height", "width");
    List<Integer> channels = config.blockOutChannels();
    String x = Layers.conv2d(g, "encoder.conv_in", IMAGE, 1, 1);
    for (int i = 0; i < channels.size(); i++) {
      String prefix = "encoder.down_blocks." + i;
      for (int layer = 0; layer < config.layersPerBlock(); layer++) {
        x = resnet(prefix + ".resnets." + layer, x);
      }
      if (i < channels.size() - 1) {
        x = Blocks.downsample(g, prefix + ".downsamplers.0", x, 0);
      }
    }
    x = midBlock("encoder.mid_block", x);
    x = outputHead("encoder", x);
    if (config.useQuantConv()) {
      x = Layers.conv2d(g, "quant_conv", x, 1, 0);
    }
    List<String> halves = g.nodeOutputs("Split", List.of(x), 2, GraphBuilder.attr("axis", 1L));
    String logVariance = g.node("Clip", List.of(halves.get(1), g.scalar(-30f), g.scalar(20f)));
    String std = g.node("Exp", List.of(g.mul(logVariance, g.scalar(0.5f))));
    String latent = Long.toString(config.latentChannels());
    g.output(MEAN, halves.get(0), DataType.FLOAT, "batch", latent, "latent_height", "latent_width");
    g.output(STD, std, DataType.FLOAT, "batch", latent, "latent_height", "latent_width");
    return g.build();
  }

  private String resnet(String prefix, String x) {
    return Blocks.resnet(g, prefix, x, null, config.normNumGroups(), EPS, 1.0);
  }

  /** {@code UNetMidBlock2D}: resnet, (single-head attention), resnet. */
  private String midBlock(String prefix, String x) {
    x = resnet(prefix + ".resnets.0", x);
    if (config.midBlockAddAttention()) {
      x = Blocks.spatialSelfAttention(g, prefix + ".attentions.0", x, config.normNumGroups(), EPS);
    }
    return resnet(prefix + ".resnets.1", x);
  }

  /** GroupNorm, SiLU, 3x3 conv to the output channels. */
  private String outputHead(String prefix, String x) {
    String h =
        Layers.silu(
            g, Layers.groupNorm(g, prefix + ".conv_norm_out", x, config.normNumGroups(), EPS));
    return Layers.conv2d(g, prefix + ".conv_out", h, 1, 1);
  }
}
