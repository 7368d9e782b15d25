package network.hydrogen.engine.graph;

import static network.hydrogen.engine.graph.GraphBuilder.attr;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;
import network.hydrogen.engine.model.ClipVisionConfig;
import network.hydrogen.engine.model.ParameterLayout;

/**
 * Builds the network of diffusers' {@code StableDiffusionSafetyChecker}: transformers' {@code
 * CLIPVisionModel} (patch embedding without bias, class token, position embeddings, pre-LN encoder
 * without mask, post layer norm of the class token) and the visual projection; outputs the image
 * embeddings the checker compares with its concepts.
 */
final class ClipVisionGraph {

  static final String PIXEL_VALUES = "pixel_values";
  static final String IMAGE_EMBEDS = "image_embeds";

  private ClipVisionGraph() {}

  static NetworkGraph build(ClipVisionConfig config, String tower) {
    GraphBuilder g =
        new GraphBuilder("safety_checker", ParameterLayout.safetyCheckerShapes(config, tower));
    long width = config.hiddenSize();
    long side = config.imageSize();
    g.input(
        PIXEL_VALUES,
        DataType.FLOAT,
        "batch",
        Long.toString(config.numChannels()),
        Long.toString(side),
        Long.toString(side));
    long patch = config.patchSize();
    String patches =
        g.node(
            "Conv",
            List.of(PIXEL_VALUES, g.parameter(tower + "embeddings.patch_embedding.weight")),
            attr("kernel_shape", patch, patch),
            attr("strides", patch, patch));
    String tokens = g.transpose(g.reshape(patches, 0, width, -1), 0, 2, 1);
    String batch = g.slice(g.shape(PIXEL_VALUES), g.ints(0), g.ints(1), g.ints(0));
    String classToken =
        g.node(
            "Expand",
            List.of(
                g.reshape(g.parameter(tower + "embeddings.class_embedding"), 1, 1, width),
                g.concat(0, batch, g.ints(1, width))));
    String hidden =
        g.add(
            g.concat(1, classToken, tokens),
            g.parameter(tower + "embeddings.position_embedding.weight"));
    double eps = config.layerNormEps();
    hidden = Layers.layerNorm(g, tower + "pre_layrnorm", hidden, eps);
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      hidden =
          Layers.clipEncoderLayer(
              g,
              tower + "encoder.layers." + layer,
              hidden,
              null,
              config.numAttentionHeads(),
              config.headDim(),
              config.hiddenAct(),
              eps);
    }
    String pooled =
        Layers.layerNorm(
            g,
            tower + "post_layernorm",
            g.node("Gather", List.of(hidden, g.ints(0)), attr("axis", 1L)),
            eps);
    pooled = g.squeeze(pooled, 1);
    g.output(
        IMAGE_EMBEDS,
        Layers.linear(g, "visual_projection", pooled, false),
        DataType.FLOAT,
        "batch",
        Long.toString(config.projectionDim()));
    return g.build();
  }
}
