package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * The CLIP vision tower of a Stable Diffusion safety checker, from the checker's {@code
 * config.json} (a transformers {@code CLIPConfig}): its {@code vision_config}, overridden by the
 * older {@code vision_config_dict} as transformers does, with transformers' defaults, and the
 * top-level {@code projection_dim} of the visual projection.
 */
public record ClipVisionConfig(
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numChannels,
    int imageSize,
    int patchSize,
    String hiddenAct,
    double layerNormEps,
    int projectionDim) {

  private static final List<String> ACTIVATIONS =
      List.of("quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh");

  /** Reads a safety checker's {@code config.json}. */
  public static ClipVisionConfig read(Path file) {
    JsonNode root = ConfigJson.read(file);
    ObjectNode vision = JsonNodeFactory.instance.objectNode();
    for (String field : List.of("vision_config", "vision_config_dict")) {
      if (root.path(field).isObject()) {
        vision.setAll((ObjectNode) root.get(field));
      }
    }
    String source = file.toString();
    ConfigJson c = new ConfigJson(vision, source + " vision_config");
    ClipVisionConfig config =
        new ClipVisionConfig(
            c.integer("hidden_size", 768),
            c.integer("intermediate_size", 3072),
            c.integer("num_hidden_layers", 12),
            c.integer("num_attention_heads", 12),
            c.integer("num_channels", 3),
            c.integer("image_size", 224),
            c.integer("patch_size", 32),
            c.string("hidden_act", "quick_gelu"),
            c.number("layer_norm_eps", 1e-5),
            new ConfigJson(root, source).integer("projection_dim", 512));
    if (config.numAttentionHeads < 1 || config.hiddenSize % config.numAttentionHeads != 0) {
      throw c.unsupported("num_attention_heads", "it must divide hidden_size " + config.hiddenSize);
    }
    if (config.patchSize < 1 || config.imageSize % config.patchSize != 0) {
      throw c.unsupported("patch_size", "it must divide image_size " + config.imageSize);
    }
    if (!ACTIVATIONS.contains(config.hiddenAct)) {
      throw c.unsupported("hidden_act", "only " + ACTIVATIONS + " are supported");
    }
    if (config.numHiddenLayers < 1 || config.numChannels < 1 || config.projectionDim < 1) {
      throw c.unsupported("num_hidden_layers", "layers, channels and projection must be positive");
    }
    return config;
  }

  /** The image patches the tower sees: {@code (image_size / patch_size)^2}. */
  public int patches() {
    int side = imageSize / patchSize;
    return side * side;
  }

  /** The width of one attention head. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
