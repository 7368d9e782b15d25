package network.hydrogen.engine.graph;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;
import network.hydrogen.engine.model.ControlNetConfig;
import network.hydrogen.engine.model.ParameterLayout;

/**
 * Builds diffusers' {@code ControlNetModel}: the UNet's encoder half ({@link UNetGraph}'s time
 * embedding, conv_in, down and mid blocks) with the conditioning embedding of the control image
 * added after conv_in, then a zero convolution per skip connection and for the mid block, each
 * output multiplied by the conditioning scale. Batch and sizes are symbolic.
 */
final class ControlNetGraph {

  static final String CONTROLNET_COND = "controlnet_cond";
  static final String CONDITIONING_SCALE = "conditioning_scale";
  static final String MID = "mid_block_res_sample";

  private ControlNetGraph() {}

  /** The output of skip connection {@code i}'s residual. */
  static String downOutput(int i) {
    return "down_block_res_sample_" + i;
  }

  static NetworkGraph build(ControlNetConfig config) {
    GraphBuilder g = new GraphBuilder("controlnet", ParameterLayout.controlNetShapes(config));
    UNetGraph unet = new UNetGraph(config.unet(), g);
    unet.inputs();
    g.input(
        CONTROLNET_COND,
        DataType.FLOAT,
        "batch",
        Long.toString(config.conditioningChannels()),
        "image_height",
        "image_width");
    g.input(CONDITIONING_SCALE, DataType.FLOAT, "1");
    String emb = unet.embedding();
    String x = g.add(unet.convIn(), conditioningEmbedding(g, config));
    List<String> skips = unet.downPath(x, emb);
    String mid = unet.midBlock(skips.getLast(), emb);
    List<Long> channels = ParameterLayout.skipChannels(config.unet());
    for (int i = 0; i < skips.size(); i++) {
      String residual = Layers.conv2d(g, "controlnet_down_blocks." + i, skips.get(i), 1, 0);
      g.output(
          downOutput(i),
          g.mul(residual, CONDITIONING_SCALE),
          DataType.FLOAT,
          "batch",
          Long.toString(channels.get(i)),
          "height_" + i,
          "width_" + i);
    }
    String midResidual = Layers.conv2d(g, "controlnet_mid_block", mid, 1, 0);
    g.output(
        MID,
        g.mul(midResidual, CONDITIONING_SCALE),
        DataType.FLOAT,
        "batch",
        Long.toString(config.unet().blockOutChannels().getLast()),
        "mid_height",
        "mid_width");
    return g.build();
  }

  /**
   * {@code ControlNetConditioningEmbedding}: conv_in and SiLU, then per block a 3x3 convolution and
   * SiLU (every second one with stride 2), then conv_out (no activation).
   */
  private static String conditioningEmbedding(GraphBuilder g, ControlNetConfig config) {
    String prefix = "controlnet_cond_embedding";
    String h = Layers.silu(g, Layers.conv2d(g, prefix + ".conv_in", CONTROLNET_COND, 1, 1));
    int blocks = 2 * (config.conditioningEmbeddingOutChannels().size() - 1);
    for (int i = 0; i < blocks; i++) {
      h = Layers.silu(g, Layers.conv2d(g, prefix + ".blocks." + i, h, i % 2 == 0 ? 1 : 2, 1));
    }
    return Layers.conv2d(g, prefix + ".conv_out", h, 1, 1);
  }
}
