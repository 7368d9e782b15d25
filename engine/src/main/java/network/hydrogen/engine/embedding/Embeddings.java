package network.hydrogen.engine.embedding;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.ModelFormatException;
import network.hydrogen.engine.model.PatchedWeights;
import network.hydrogen.engine.model.StableDiffusionModel.Component;
import network.hydrogen.engine.tokenizer.ClipTokenizer;

/**
 * Adds textual inversion embeddings to a tokenizer and its text encoder as diffusers does: an
 * n-vector embedding appends n tokens {@code <tok>}, {@code <tok>_1}, ..., {@code <tok>_{n-1}}
 * after the vocabulary, in load order, and the token embedding matrix gets their vectors as extra
 * rows. {@code <tok>} in a prompt stands for all n ids (diffusers rewrites the prompt to {@code
 * <tok> <tok>_1 ...} first, which tokenizes the same). The base weights are not copied: only the
 * token embedding is patched.
 *
 * @param tokenizer the tokenizer that knows the new tokens
 * @param textEncoder the text encoder with the extra rows (and its config's vocabulary size)
 */
public record Embeddings(ClipTokenizer tokenizer, Component<ClipTextConfig> textEncoder) {

  static final String TOKEN_EMBEDDING = "text_model.embeddings.token_embedding.weight";

  /**
   * {@code tokenizer} and {@code textEncoder} with {@code embeddings} added.
   *
   * @throws ModelFormatException when an embedding's width differs from the text encoder's, or the
   *     tokenizer and the text encoder disagree on the vocabulary size
   * @throws IllegalArgumentException when a token is already known
   */
  public static Embeddings add(
      ClipTokenizer tokenizer,
      Component<ClipTextConfig> textEncoder,
      List<TextualInversion> embeddings) {
    if (embeddings.isEmpty()) {
      return new Embeddings(tokenizer, textEncoder);
    }
    ClipTextConfig config = textEncoder.config();
    int base = config.vocabSize();
    if (tokenizer.vocabSize() != base) {
      throw new ModelFormatException(
          "the tokenizer has "
              + tokenizer.vocabSize()
              + " token ids but the text encoder's vocab_size is "
              + base
              + "; cannot append textual inversion tokens");
    }
    Map<String, int[]> added = new LinkedHashMap<>();
    int next = base;
    for (TextualInversion embedding : embeddings) {
      if (embedding.vectors()[0].length != config.hiddenSize()) {
        throw new ModelFormatException(
            embedding.source(),
            "has "
                + embedding.vectors()[0].length
                + "-wide vectors but the text encoder is "
                + config.hiddenSize()
                + " wide (an embedding for another model family?)");
      }
      int[] ids = new int[embedding.count()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = next++;
        if (i > 0) {
          added.put(embedding.tokenName(i), new int[] {ids[i]});
        }
      }
      added.put(embedding.token(), ids);
    }
    float[][] rows =
        embeddings.stream().flatMap(e -> Arrays.stream(e.vectors())).toArray(float[][]::new);
    ClipTextConfig extended =
        new ClipTextConfig(
            next,
            config.hiddenSize(),
            config.intermediateSize(),
            config.projectionDim(),
            config.numHiddenLayers(),
            config.numAttentionHeads(),
            config.maxPositionEmbeddings(),
            config.hiddenAct(),
            config.layerNormEps(),
            config.bosTokenId(),
            config.eosTokenId(),
            config.padTokenId(),
            config.withProjection());
    String what =
        "textual inversion "
            + embeddings.stream().map(e -> e.token() + " from " + e.source()).toList();
    PatchedWeights weights =
        new PatchedWeights(
            textEncoder.weights(), Map.of(TOKEN_EMBEDDING, new ExtraRows(rows)), what);
    return new Embeddings(tokenizer.withAddedTokens(added), new Component<>(extended, weights));
  }

  /** Appends rows to a [vocabulary, width] matrix. */
  private record ExtraRows(float[][] rows) implements PatchedWeights.Patch {

    @Override
    public long[] shape(long[] base) {
      return new long[] {base[0] + rows.length, base[1]};
    }

    @Override
    public float[] apply(FloatBuffer base, long[] baseShape) {
      int width = (int) baseShape[1];
      float[] values = new float[base.remaining() + rows.length * width];
      base.duplicate().get(values, 0, base.remaining());
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(
            rows[i], 0, values, (int) (baseShape[0] * baseShape[1]) + i * width, width);
      }
      return values;
    }
  }
}
