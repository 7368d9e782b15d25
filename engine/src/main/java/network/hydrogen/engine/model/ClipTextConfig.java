package network.hydrogen.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The config of a transformers CLIP text encoder ({@code text_encoder/config.json}), with the
 * transformers field names and defaults. {@code withProjection} is true for {@code
 * CLIPTextModelWithProjection} (SDXL's second encoder), whose weights add {@code
 * text_projection.weight}. {@code eosTokenId} is the file's value, which is the legacy 2 in the
 * real SD 1.x/2.x configs (see {@link #legacyPooling()}).
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

  private static final int LEGACY_EOS_TOKEN_ID = 2;
  private static final List<String> ACTIVATIONS =
      List.of("quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh");

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
    if (config.numAttentionHeads < 1 || config.hiddenSize % config.numAttentionHeads != 0) {
      throw c.unsupported("num_attention_heads", "it must divide hidden_size " + config.hiddenSize);
    }
    if (!ACTIVATIONS.contains(config.hiddenAct)) {
      throw c.unsupported("hidden_act", "only " + ACTIVATIONS + " are supported");
    }
    Map<String, Integer> counts =
        Map.of(
            "vocab_size", config.vocabSize,
            "num_hidden_layers", config.numHiddenLayers,
            "max_position_embeddings", config.maxPositionEmbeddings);
    counts.forEach(
        (field, count) -> {
          if (count < 1) {
            throw c.unsupported(field, "it must be positive");
          }
        });
    return config;
  }

  /**
   * Whether the pooled output is read at the largest token id rather than at the first {@code
   * eos_token_id}: transformers' rule for configs with the legacy {@code eos_token_id} 2 (the real
   * SD 1.x and 2.x configs), where the largest id is CLIP's end-of-text token 49407.
   */
  public boolean legacyPooling() {
    return eosTokenId == LEGACY_EOS_TOKEN_ID;
  }

  /** The width of one attention head. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
