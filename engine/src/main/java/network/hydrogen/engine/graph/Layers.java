package network.hydrogen.engine.graph;

import static network.hydrogen.engine.graph.GraphBuilder.attr;

import java.util.Arrays;
import java.util.List;

/**
 * The torch layers the diffusers and transformers networks are made of, written as ONNX patterns
 * that ONNX Runtime's graph optimizer recognises (MatMul+Add, LayerNormalization, Erf-GELU,
 * MatMul-Softmax-MatMul attention). Each reads its weights under the torch module's name prefix,
 * with the shapes of the graph's parameter layout.
 */
final class Layers {

  private static final float SQRT2 = (float) Math.sqrt(2.0);

  private Layers() {}

  /**
   * {@code torch.nn.Linear}: {@code x @ W^T + b} over the last axis of any-rank {@code x}, as
   * FusedMatMul with transB so that ONNX Runtime keeps no transposed copy of {@code W}.
   */
  static String linear(GraphBuilder g, String prefix, String x, boolean bias) {
    String y =
        g.node(
            GraphBuilder.MICROSOFT,
            "FusedMatMul",
            List.of(x, g.parameter(prefix + ".weight")),
            attr("transB", 1L));
    return bias ? g.add(y, g.parameter(prefix + ".bias")) : y;
  }

  /** {@code torch.nn.Conv2d} with bias, square kernel, symmetric padding. */
  static String conv2d(GraphBuilder g, String prefix, String x, long stride, long pad) {
    return conv2d(g, prefix, x, stride, new long[] {pad, pad, pad, pad});
  }

  /** {@code torch.nn.Conv2d} with bias and explicit ONNX pads (top, left, bottom, right). */
  static String conv2d(GraphBuilder g, String prefix, String x, long stride, long[] pads) {
    String weight = g.parameter(prefix + ".weight");
    long kernel = g.dims(weight)[2];
    return g.node(
        "Conv",
        List.of(x, weight, g.parameter(prefix + ".bias")),
        attr("kernel_shape", kernel, kernel),
        attr("strides", stride, stride),
        attr("pads", pads));
  }

  /**
   * {@code torch.nn.GroupNorm} on NCHW (or NC...) input, as torch's own ONNX export writes it:
   * InstanceNormalization over [N, groups, rest], then the per-channel affine. (ONNX's opset-18
   * GroupNormalization scales per group, not per channel, so it cannot express torch's.)
   */
  static String groupNorm(GraphBuilder g, String prefix, String x, long groups, double eps) {
    String gamma = g.parameter(prefix + ".weight");
    String beta = g.parameter(prefix + ".bias");
    long channels = g.dims(gamma)[0];
    if (channels % groups != 0) {
      throw new IllegalArgumentException(
          prefix + ": " + channels + " channels cannot be split in " + groups + " groups");
    }
    float[] ones = new float[(int) groups];
    Arrays.fill(ones, 1f);
    String grouped = g.reshape(x, 0, groups, -1);
    String normed =
        g.node(
            "InstanceNormalization",
            List.of(grouped, g.constant(ones, groups), g.constant(new float[(int) groups], groups)),
            attr("epsilon", (float) eps));
    String restored = g.reshapeTo(normed, g.shape(x));
    return g.add(
        g.mul(restored, g.reshape(gamma, channels, 1, 1)), g.reshape(beta, channels, 1, 1));
  }

  /** {@code torch.nn.LayerNorm} over the last axis. */
  static String layerNorm(GraphBuilder g, String prefix, String x, double eps) {
    return g.node(
        "LayerNormalization",
        List.of(x, g.parameter(prefix + ".weight"), g.parameter(prefix + ".bias")),
        attr("axis", -1L),
        attr("epsilon", (float) eps));
  }

  static String silu(GraphBuilder g, String x) {
    return g.mul(x, g.sigmoid(x));
  }

  /** Exact (erf) GELU, in the form ONNX Runtime fuses into one Gelu kernel. */
  static String gelu(GraphBuilder g, String x) {
    String erf = g.node("Erf", List.of(g.div(x, g.scalar(SQRT2))));
    return g.mul(g.mul(x, g.add(erf, g.scalar(1f))), g.scalar(0.5f));
  }

  /** GELU's tanh approximation ({@code gelu_new}, {@code gelu_pytorch_tanh}). */
  static String geluTanh(GraphBuilder g, String x) {
    String cube = g.mul(g.mul(x, x), x);
    String inner =
        g.mul(
            g.add(x, g.mul(cube, g.scalar(0.044715f))), g.scalar((float) Math.sqrt(2.0 / Math.PI)));
    String tanh = g.node("Tanh", List.of(inner));
    return g.mul(g.mul(x, g.add(tanh, g.scalar(1f))), g.scalar(0.5f));
  }

  /** CLIP's {@code quick_gelu}: {@code x * sigmoid(1.702 x)}. */
  static String quickGelu(GraphBuilder g, String x) {
    return g.mul(x, g.sigmoid(g.mul(x, g.scalar(1.702f))));
  }

  /**
   * Scaled dot-product attention over [batch, seq, heads * headDim] projections, with an optional
   * additive mask broadcastable to [batch, heads, seqQ, seqK]; returns [batch, seqQ, heads *
   * headDim].
   */
  static String attention(
      GraphBuilder g, String q, String k, String v, long heads, long headDim, String mask) {
    String qh = g.transpose(g.reshape(q, 0, -1, heads, headDim), 0, 2, 1, 3);
    String kt = g.transpose(g.reshape(k, 0, -1, heads, headDim), 0, 2, 3, 1);
    String vh = g.transpose(g.reshape(v, 0, -1, heads, headDim), 0, 2, 1, 3);
    String scores = g.mul(g.matMul(qh, kt), g.scalar((float) (1.0 / Math.sqrt(headDim))));
    if (mask != null) {
      scores = g.add(scores, mask);
    }
    String probs = g.node("Softmax", List.of(scores), attr("axis", -1L));
    String context = g.transpose(g.matMul(probs, vh), 0, 2, 1, 3);
    return g.reshape(context, 0, 0, heads * headDim);
  }

  /**
   * The activation transformers names {@code hiddenAct} ({@code quick_gelu}, {@code gelu}, ...).
   */
  static String activation(GraphBuilder g, String hiddenAct, String x) {
    return switch (hiddenAct) {
      case "quick_gelu" -> quickGelu(g, x);
      case "gelu" -> gelu(g, x);
      default -> geluTanh(g, x);
    };
  }

  /**
   * transformers' {@code CLIPEncoderLayer} (text and vision towers alike): pre-LN self-attention
   * with an optional additive {@code mask}, then a pre-LN MLP, each with its residual.
   */
  static String clipEncoderLayer(
      GraphBuilder g,
      String prefix,
      String x,
      String mask,
      long heads,
      long headDim,
      String hiddenAct,
      double eps) {
    String h = layerNorm(g, prefix + ".layer_norm1", x, eps);
    String q = linear(g, prefix + ".self_attn.q_proj", h, true);
    String k = linear(g, prefix + ".self_attn.k_proj", h, true);
    String v = linear(g, prefix + ".self_attn.v_proj", h, true);
    String attended = attention(g, q, k, v, heads, headDim, mask);
    String residual = g.add(x, linear(g, prefix + ".self_attn.out_proj", attended, true));
    h = layerNorm(g, prefix + ".layer_norm2", residual, eps);
    h = activation(g, hiddenAct, linear(g, prefix + ".mlp.fc1", h, true));
    return g.add(residual, linear(g, prefix + ".mlp.fc2", h, true));
  }
}
