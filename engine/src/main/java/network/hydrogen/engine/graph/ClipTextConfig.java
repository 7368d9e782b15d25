package network.hydrogen.engine.graph;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.model.ModelFormatException;

/**
 * The shape of a transformers {@code CLIPTextModel} / {@code CLIPTextModelWithProjection}, from its
 * {@code config.json}.
 *
 * @param hiddenAct {@code quick_gelu} (SD 1.x), {@code gelu} (SD 2.x, SDXL) or {@code gelu_new}
 * @param eosTokenId the token whose first occurrence marks the pooled position (2 means the legacy
 *     rule: the position of the largest id)
 * @param withProjection whether the model has a {@code text_projection} (the pooled output is then
 *     projected to {@code projectionDim})
 */
public record ClipTextConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int maxPositionEmbeddings,
    String hiddenAct,
    double layerNormEps,
    int eosTokenId,
    int projectionDim,
    boolean withProjection) {

  public ClipTextConfig {
    if (hiddenSize <= 0 || numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size " + hiddenSize + " is not divisible by " + numAttentionHeads + " heads");
    }
    if (!hiddenAct.equals("quick_gelu")
        && !hiddenAct.equals("gelu")
        && !hiddenAct.equals("gelu_new")
        && !hiddenAct.equals("gelu_pytorch_tanh")) {
      throw new IllegalArgumentException("hidden_act " + hiddenAct + " is not supported");
    }
    if (numHiddenLayers < 1 || vocabSize < 1 || maxPositionEmbeddings < 1) {
      throw new IllegalArgumentException(
          "num_hidden_layers, vocab_size and max_position_embeddings must be positive");
    }
  }

  /** Reads a {@code text_encoder/config.json}. */
  public static ClipTextConfig read(Path configJson) throws IOException {
    return from(ConfigJson.read(configJson));
  }

  /** Parses config JSON text; {@code source} names it in errors. */
  public static ClipTextConfig parse(String json, String source) {
    return from(ConfigJson.parse(json, source));
  }

  private static ClipTextConfig from(ConfigJson json) {
    boolean withProjection =
        json.has("architectures")
            && json.strings("architectures").contains("CLIPTextModelWithProjection");
    try {
      return new ClipTextConfig(
          json.integer("vocab_size", 49408),
          json.integer("hidden_size", 512),
          json.integer("intermediate_size", 2048),
          json.integer("num_hidden_layers", 12),
          json.integer("num_attention_heads", 8),
          json.integer("max_position_embeddings", 77),
          json.string("hidden_act", "quick_gelu"),
          json.number("layer_norm_eps", 1e-5),
          json.integer("eos_token_id", 49407),
          json.integer("projection_dim", 512),
          withProjection);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(json.source() + ": " + e.getMessage());
    }
  }

  /** Width of one attention head. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
