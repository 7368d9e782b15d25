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

  /** Encodes a batch of equally long token id rows (usually 77 each). */
  public Output encode(long[][] ids) {
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
    Map<String, OnnxTensor> inputs =
        Map.of(ClipTextGraph.INPUT_IDS, network.longs(flat, ids.length, length));
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

  /** {@link #encode(long[][])} for int ids. */
  public Output encode(int[][] ids) {
    long[][] wide = new long[ids.length][];
    for (int row = 0; row < ids.length; row++) {
      wide[row] = Arrays.stream(ids[row]).asLongStream().toArray();
    }
    return encode(wide);
  }

  @Override
  public void close() {
    network.close();
  }
}
