package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The config of a transformers CLIP text encoder ({@code text_encoder/config.json}), with the
 * transformers field names and defaults. {@code withProjection} is true for {@code
 * CLIPTextModelWithProjection} (SDXL's second encoder), whose weights add {@code
 * text_projection.weight}.
 */
public record ClipTextConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int projectionDim,
    int numHiddenLayers,
    int numAttentionHeads,
    int maxPositionEmbeddings,
    String hiddenAct,
    double layerNormEps,
    int bosTokenId,
    int eosTokenId,
    int padTokenId,
    boolean withProjection) {

  /** Parses a {@code config.json} tree; {@code source} names it in errors. */
  public static ClipTextConfig parse(JsonNode json, String source) {
    ConfigJson c = new ConfigJson(json, source);
    List<String> architectures = c.strings("architectures", List.of("CLIPTextModel"));
    ClipTextConfig config =
        new ClipTextConfig(
            c.integer("vocab_size", 49408),
            c.integer("hidden_size", 512),
            c.integer("intermediate_size", 2048),
            c.integer("projection_dim", 512),
            c.integer("num_hidden_layers", 12),
            c.integer("num_attention_heads", 8),
            c.integer("max_position_embeddings", 77),
            c.string("hidden_act", "quick_gelu"),
            c.number("layer_norm_eps", 1e-5),
            c.integer("bos_token_id", 49406),
            c.integer("eos_token_id", 49407),
            c.integer("pad_token_id", 1),
            architectures.contains("CLIPTextModelWithProjection"));
    if (config.hiddenSize % config.numAttentionHeads != 0) {
      throw c.unsupported("num_attention_heads", "it must divide hidden_size " + config.hiddenSize);
    }
    return config;
  }

  /** The width of one attention head. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
