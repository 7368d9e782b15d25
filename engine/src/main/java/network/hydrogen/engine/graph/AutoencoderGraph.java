package network.hydrogen.engine.graph;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;

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

  private final AutoencoderConfig config;
  private final GraphBuilder g;

  private AutoencoderGraph(AutoencoderConfig config, String name) {
    this.config = config;
    this.g = new GraphBuilder(name);
  }

  static NetworkGraph decoder(AutoencoderConfig config) {
    return new AutoencoderGraph(config, "autoencoder_kl_decoder").buildDecoder();
  }

  static NetworkGraph encoder(AutoencoderConfig config) {
    return new AutoencoderGraph(config, "autoencoder_kl_encoder").buildEncoder();
  }

  private NetworkGraph buildDecoder() {
    long latent = config.latentChannels();
    g.input(LATENTS, DataType.FLOAT, "batch", Long.toString(latent), "height", "width");
    String x = LATENTS;
    if (config.usePostQuantConv()) {
      x = Layers.conv2d(g, "post_quant_conv", x, latent, latent, 1, 1, 0);
    }
    List<Integer> channels = config.blockOutChannels();
    long current = channels.getLast();
    x = Layers.conv2d(g, "decoder.conv_in", x, latent, current, 3, 1, 1);
    x = midBlock("decoder.mid_block", x, current);
    for (int i = 0; i < channels.size(); i++) {
      long out = channels.get(channels.size() - 1 - i);
      String prefix = "decoder.up_blocks." + i;
      for (int layer = 0; layer <= config.layersPerBlock(); layer++) {
        x = resnet(prefix + ".resnets." + layer, x, current, out);
        current = out;
      }
      if (i < channels.size() - 1) {
        x = Blocks.upsample(g, prefix + ".upsamplers.0", x, out, null);
      }
    }
    x = outputHead("decoder", x, current, config.outChannels());
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
    long current = channels.getFirst();
    String x = Layers.conv2d(g, "encoder.conv_in", IMAGE, config.inChannels(), current, 3, 1, 1);
    for (int i = 0; i < channels.size(); i++) {
      long out = channels.get(i);
      String prefix = "encoder.down_blocks." + i;
      for (int layer = 0; layer < config.layersPerBlock(); layer++) {
        x = resnet(prefix + ".resnets." + layer, x, current, out);
        current = out;
      }
      if (i < channels.size() - 1) {
        x = Blocks.downsample(g, prefix + ".downsamplers.0", x, out, 0);
      }
    }
    x = midBlock("encoder.mid_block", x, current);
    long moments = 2L * config.latentChannels();
    x = outputHead("encoder", x, current, moments);
    if (config.useQuantConv()) {
      x = Layers.conv2d(g, "quant_conv", x, moments, moments, 1, 1, 0);
    }
    List<String> halves = g.nodeOutputs("Split", List.of(x), 2, GraphBuilder.attr("axis", 1L));
    String logVariance = g.node("Clip", List.of(halves.get(1), g.scalar(-30f), g.scalar(20f)));
    String std = g.node("Exp", List.of(g.mul(logVariance, g.scalar(0.5f))));
    String latent = Long.toString(config.latentChannels());
    g.output(MEAN, halves.get(0), DataType.FLOAT, "batch", latent, "latent_height", "latent_width");
    g.output(STD, std, DataType.FLOAT, "batch", latent, "latent_height", "latent_width");
    return g.build();
  }

  private String resnet(String prefix, String x, long in, long out) {
    return Blocks.resnet(g, prefix, x, in, out, null, 0, config.normNumGroups(), EPS, 1.0);
  }

  /** {@code UNetMidBlock2D}: resnet, (single-head attention), resnet. */
  private String midBlock(String prefix, String x, long channels) {
    x = resnet(prefix + ".resnets.0", x, channels, channels);
    if (config.midBlockAddAttention()) {
      x =
          Blocks.spatialSelfAttention(
              g, prefix + ".attentions.0", x, channels, config.normNumGroups(), EPS);
    }
    return resnet(prefix + ".resnets.1", x, channels, channels);
  }

  /** GroupNorm, SiLU, 3x3 conv to the output channels. */
  private String outputHead(String prefix, String x, long channels, long out) {
    String h =
        Layers.silu(
            g,
            Layers.groupNorm(
                g, prefix + ".conv_norm_out", x, channels, config.normNumGroups(), EPS));
    return Layers.conv2d(g, prefix + ".conv_out", h, channels, out, 3, 1, 1);
  }
}
