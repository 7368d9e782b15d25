package network.hydrogen.engine.graph;

import static network.hydrogen.engine.graph.GraphBuilder.attr;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.ParameterLayout;

/**
 * Builds transformers' {@code CLIPTextModel}: token + position embeddings, pre-LN encoder layers
 * with causal self-attention (keys masked by the attention mask input hidden as well), final layer
 * norm; outputs the last hidden state, the hidden state before the last layer (SDXL, clip skip) and
 * the pooled end-of-text state (projected when the model has a {@code text_projection}).
 */
final class ClipTextGraph {

  static final String INPUT_IDS = "input_ids";

  /** [batch, sequence] int64, 1 where a token may be attended to, 0 where it is hidden. */
  static final String ATTENTION_MASK = "attention_mask";

  static final String LAST_HIDDEN_STATE = "last_hidden_state";
  static final String PENULTIMATE_HIDDEN_STATE = "penultimate_hidden_state";
  static final String POOLED = "pooled_output";

  private ClipTextGraph() {}

  static NetworkGraph build(ClipTextConfig config) {
    GraphBuilder g = new GraphBuilder("clip_text_model", ParameterLayout.textEncoderShapes(config));
    long width = config.hiddenSize();
    long maxPositions = config.maxPositionEmbeddings();
    g.input(INPUT_IDS, DataType.INT64, "batch", "sequence");
    g.input(ATTENTION_MASK, DataType.INT64, "batch", "sequence");

    String tokens =
        g.node(
            "Gather",
            List.of(g.parameter("text_model.embeddings.token_embedding.weight"), INPUT_IDS),
            attr("axis", 0L));
    String sequenceLength = g.slice(g.shape(INPUT_IDS), g.ints(1), g.ints(2), g.ints(0));
    String positions =
        g.slice(
            g.parameter("text_model.embeddings.position_embedding.weight"),
            g.ints(0),
            sequenceLength,
            g.ints(0));
    String hidden = g.add(tokens, positions);

    String causal =
        g.slice(
            causalMask((int) maxPositions, g),
            g.ints(0, 0),
            g.concat(0, sequenceLength, sequenceLength),
            g.ints(0, 1));
    // [batch, 1, sequence, sequence]: keys the attention mask hides are hidden from every query
    // too; an all-ones mask leaves exactly the causal mask
    String hiddenKeys =
        g.unsqueeze(g.node("Equal", List.of(ATTENTION_MASK, g.constant(new long[] {0}))), 1, 2);
    String mask = g.node("Where", List.of(hiddenKeys, g.scalar(-Float.MAX_VALUE), causal));
    String penultimate = hidden;
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      penultimate = hidden;
      hidden =
          Layers.clipEncoderLayer(
              g,
              "text_model.encoder.layers." + layer,
              hidden,
              mask,
              config.numAttentionHeads(),
              config.headDim(),
              config.hiddenAct(),
              config.layerNormEps());
    }
    String last = Layers.layerNorm(g, "text_model.final_layer_norm", hidden, config.layerNormEps());

    String pooled =
        g.node("GatherND", List.of(last, eosPositions(g, config)), attr("batch_dims", 1L));
    long pooledWidth = width;
    if (config.withProjection()) {
      pooled = Layers.linear(g, "text_projection", pooled, false);
      pooledWidth = config.projectionDim();
    }
    g.output(LAST_HIDDEN_STATE, last, DataType.FLOAT, "batch", "sequence", Long.toString(width));
    g.output(
        PENULTIMATE_HIDDEN_STATE,
        penultimate,
        DataType.FLOAT,
        "batch",
        "sequence",
        Long.toString(width));
    g.output(POOLED, pooled, DataType.FLOAT, "batch", Long.toString(pooledWidth));
    return g.build();
  }

  /** [max, max] additive mask: 0 on and below the diagonal, the lowest float above it. */
  private static String causalMask(int size, GraphBuilder g) {
    float[] mask = new float[size * size];
    for (int i = 0; i < size; i++) {
      for (int j = i + 1; j < size; j++) {
        mask[i * size + j] = -Float.MAX_VALUE;
      }
    }
    return g.constant(mask, size, size);
  }

  /**
   * [batch, 1] index of the pooled token as transformers' {@code CLIPTextTransformer} finds it: the
   * first {@code eos_token_id}, or, for legacy configs, the first largest id (CLIP's end token).
   */
  private static String eosPositions(GraphBuilder g, ClipTextConfig config) {
    String keyed =
        config.legacyPooling()
            ? INPUT_IDS
            : g.node("Equal", List.of(INPUT_IDS, g.constant(new long[] {config.eosTokenId()})));
    String asInt = g.node("Cast", List.of(keyed), attr("to", (long) DataType.INT32.getNumber()));
    return g.node("ArgMax", List.of(asInt), attr("axis", 1L), attr("keepdims", 1L));
  }
}
