package network.hydrogen.engine.graph;

import ai.onnxruntime.OnnxTensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import network.hydrogen.engine.model.ClipTextConfig;
import network.hydrogen.engine.model.WeightSource;

/**
 * A CLIP text encoder (SD 1.x/2.x text encoder, SDXL's two) running on ONNX Runtime: token ids in,
 * hidden states out. Thread-safe; close it to release the session.
 */
public final class TextEncoder implements AutoCloseable {

  /**
   * The encoder's outputs for a batch.
   *
   * @param lastHiddenState [batch, sequence, hidden] after the final layer norm (SD 1.x/2.x
   *     conditioning)
   * @param penultimateHiddenState [batch, sequence, hidden] entering the last layer, without the
   *     final layer norm (SDXL conditioning, {@code hidden_states[-2]})
   * @param pooled [batch, hidden or projection_dim] at the first end-of-text token, projected by
   *     {@code text_projection} when the model has one ({@code text_embeds})
   */
  public record Output(
      FloatTensor lastHiddenState, FloatTensor penultimateHiddenState, FloatTensor pooled) {}

  private final ClipTextConfig config;
  private final OnnxNetwork network;

  private TextEncoder(ClipTextConfig config, OnnxNetwork network) {
    this.config = config;
    this.network = network;
  }

  /**
   * Builds the graph for {@code config} and opens a session on {@code weights}.
   *
   * @throws network.hydrogen.engine.model.ModelFormatException when a tensor is missing or has
   *     another shape than the config implies
   */
  public static TextEncoder create(
      ClipTextConfig config, WeightSource weights, InferenceOptions options) throws IOException {
    return new TextEncoder(
        config, OnnxNetwork.open("text encoder", ClipTextGraph.build(config), weights, options));
  }

  public ClipTextConfig config() {
    return config;
  }

  /** Encodes a batch of equally long token id rows (usually 77 each), every token attended to. */
  public Output encode(long[][] ids) {
    return encode(ids, null);
  }

  /**
   * Encodes a batch of equally long token id rows with an attention mask: keys where {@code
   * attentionMask} is 0 are hidden from every token (compel's down-weighting), on top of the causal
   * mask.
   *
   * @param attentionMask 0 or 1 per id, the shape of {@code ids}; null attends to every token
   */
  public Output encode(long[][] ids, long[][] attentionMask) {
    if (ids.length == 0) {
      throw new IllegalArgumentException("no token ids to encode");
    }
    int length = ids[0].length;
    if (length < 1 || length > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "token rows must hold 1.." + config.maxPositionEmbeddings() + " ids, got " + length);
    }
    long[] flat = new long[ids.length * length];
    for (int row = 0; row < ids.length; row++) {
      if (ids[row].length != length) {
        throw new IllegalArgumentException(
            "token row " + row + " has " + ids[row].length + " ids, row 0 has " + length);
      }
      for (int i = 0; i < length; i++) {
        long id = ids[row][i];
        if (id < 0 || id >= config.vocabSize()) {
          throw new IllegalArgumentException(
              "token id "
                  + id
                  + " at row "
                  + row
                  + ", position "
                  + i
                  + " is outside the vocabulary of "
                  + config.vocabSize());
        }
        flat[row * length + i] = id;
      }
    }
    long[] mask = flatMask(attentionMask, ids.length, length);
    Map<String, OnnxTensor> inputs =
        Map.of(
            ClipTextGraph.INPUT_IDS,
            network.longs(flat, ids.length, length),
            ClipTextGraph.ATTENTION_MASK,
            network.longs(mask, ids.length, length));
    Map<String, FloatTensor> out =
        network.run(
            inputs,
            ClipTextGraph.LAST_HIDDEN_STATE,
            ClipTextGraph.PENULTIMATE_HIDDEN_STATE,
            ClipTextGraph.POOLED);
    return new Output(
        out.get(ClipTextGraph.LAST_HIDDEN_STATE),
        out.get(ClipTextGraph.PENULTIMATE_HIDDEN_STATE),
        out.get(ClipTextGraph.POOLED));
  }

  private static long[] flatMask(long[][] attentionMask, int rows, int length) {
    long[] flat = new long[rows * length];
    if (attentionMask == null) {
      Arrays.fill(flat, 1);
      return flat;
    }
    if (attentionMask.length != rows) {
      throw new IllegalArgumentException(
          "the attention mask has " + attentionMask.length + " rows, the ids " + rows);
    }
    for (int row = 0; row < rows; row++) {
      if (attentionMask[row].length != length) {
        throw new IllegalArgumentException(
            "attention mask row "
                + row
                + " has "
                + attentionMask[row].length
                + " values, not "
                + length);
      }
      for (int i = 0; i < length; i++) {
        long value = attentionMask[row][i];
        if (value != 0 && value != 1) {
          throw new IllegalArgumentException(
              "attention mask value "
                  + value
                  + " at row "
                  + row
                  + ", position "
                  + i
                  + " is not 0 or 1");
        }
        flat[row * length + i] = value;
      }
    }
    return flat;
  }

  /** {@link #encode(long[][])} for int ids. */
  public Output encode(int[][] ids) {
    long[][] wide = new long[ids.length][];
    for (int row = 0; row < ids.length; row++) {
      wide[row] = Arrays.stream(ids[row]).asLongStream().toArray();
    }
    return encode(wide);
  }

  /**
   * Frees the session of a network loaded on demand ({@link MemoryMode#SEQUENTIAL}) until its next
   * call; a resident network stays loaded.
   */
  public void unload() {
    network.unload();
  }

  @Override
  public void close() {
    network.close();
  }
}
