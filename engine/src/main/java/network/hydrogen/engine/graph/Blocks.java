package network.hydrogen.engine.graph;

import static network.hydrogen.engine.graph.GraphBuilder.attr;

import java.util.List;

/**
 * The convolutional blocks the diffusers UNet and VAE share: {@code ResnetBlock2D}, {@code
 * Downsample2D}, {@code Upsample2D} and the VAE-style single-head spatial self-attention.
 */
final class Blocks {

  private Blocks() {}

  /**
   * {@code ResnetBlock2D} with the default time-embedding handling (added after conv1). {@code
   * temb} is the time embedding (the block applies SiLU to it), or null for the VAE, whose resnets
   * have no time input.
   */
  static String resnet(
      GraphBuilder g,
      String prefix,
      String x,
      String temb,
      long groups,
      double eps,
      double outputScale) {
    String h = Layers.silu(g, Layers.groupNorm(g, prefix + ".norm1", x, groups, eps));
    h = Layers.conv2d(g, prefix + ".conv1", h, 1, 1);
    if (temb != null) {
      String t = Layers.linear(g, prefix + ".time_emb_proj", Layers.silu(g, temb), true);
      h = g.add(h, g.unsqueeze(t, 2, 3));
    }
    h = Layers.silu(g, Layers.groupNorm(g, prefix + ".norm2", h, groups, eps));
    h = Layers.conv2d(g, prefix + ".conv2", h, 1, 1);
    long[] conv1 = g.dims(prefix + ".conv1.weight");
    String shortcut =
        conv1[0] == conv1[1] ? x : Layers.conv2d(g, prefix + ".conv_shortcut", x, 1, 0);
    String sum = g.add(shortcut, h);
    return outputScale == 1.0 ? sum : g.div(sum, g.scalar((float) outputScale));
  }

  /**
   * {@code Downsample2D} with a convolution: stride 2 with symmetric {@code padding}, or, when
   * padding is 0, the asymmetric (0, 1, 0, 1) zero pad diffusers applies first.
   */
  static String downsample(GraphBuilder g, String prefix, String x, long padding) {
    long[] pads =
        padding == 0 ? new long[] {0, 0, 1, 1} : new long[] {padding, padding, padding, padding};
    return Layers.conv2d(g, prefix + ".conv", x, 2, pads);
  }

  /**
   * {@code Upsample2D} with a convolution: nearest-neighbour interpolation to the spatial size of
   * {@code sizeOf} (the next skip connection, as diffusers does for sizes that do not halve
   * evenly), or to twice the size when {@code sizeOf} is null; then a 3x3 convolution.
   */
  static String upsample(GraphBuilder g, String prefix, String x, String sizeOf) {
    String resized;
    if (sizeOf == null) {
      resized =
          g.node(
              "Resize",
              List.of(x, "", g.constant(new float[] {1, 1, 2, 2}, 4)),
              attr("mode", "nearest"),
              attr("coordinate_transformation_mode", "asymmetric"),
              attr("nearest_mode", "floor"));
    } else {
      String sizes =
          g.concat(
              0,
              g.slice(g.shape(x), g.ints(0), g.ints(2), g.ints(0)),
              g.slice(g.shape(sizeOf), g.ints(2), g.ints(4), g.ints(0)));
      resized =
          g.node(
              "Resize",
              List.of(x, "", "", sizes),
              attr("mode", "nearest"),
              attr("coordinate_transformation_mode", "asymmetric"),
              attr("nearest_mode", "floor"));
    }
    return Layers.conv2d(g, prefix + ".conv", resized, 1, 1);
  }

  /**
   * The VAE mid-block {@code Attention}: GroupNorm, single-head self-attention over all pixels with
   * biased q/k/v/out projections, residual connection.
   */
  static String spatialSelfAttention(
      GraphBuilder g, String prefix, String x, long groups, double eps) {
    String normed = Layers.groupNorm(g, prefix + ".group_norm", x, groups, eps);
    long channels = g.dims(prefix + ".group_norm.weight")[0];
    String tokens = g.transpose(g.reshape(normed, 0, channels, -1), 0, 2, 1);
    String q = Layers.linear(g, prefix + ".to_q", tokens, true);
    String k = Layers.linear(g, prefix + ".to_k", tokens, true);
    String v = Layers.linear(g, prefix + ".to_v", tokens, true);
    String attended = Layers.attention(g, q, k, v, 1, channels, null);
    String projected = Layers.linear(g, prefix + ".to_out.0", attended, true);
    String spatial = g.reshapeTo(g.transpose(projected, 0, 2, 1), g.shape(x));
    return g.add(spatial, x);
  }
}
