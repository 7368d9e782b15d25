package network.hydrogen.engine.graph;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import network.hydrogen.engine.model.ClipVisionConfig;
import network.hydrogen.engine.model.WeightSource;

/**
 * The safety checker's CLIP vision tower and visual projection on ONNX Runtime: normalized 224x224
 * pixels in, image embeddings out. Thread-safe; close it to release the session.
 */
public final class ImageEncoder implements AutoCloseable {

  private final ClipVisionConfig config;
  private final OnnxNetwork network;

  private ImageEncoder(ClipVisionConfig config, OnnxNetwork network) {
    this.config = config;
    this.network = network;
  }

  /**
   * Builds the graph for {@code config} and opens a session on {@code weights}, whose vision tower
   * parameters are named under {@code tower} (e.g. {@code vision_model.vision_model.}).
   *
   * @throws network.hydrogen.engine.model.ModelFormatException when a tensor is missing or has
   *     another shape than the config implies
   */
  public static ImageEncoder create(
      ClipVisionConfig config, String tower, WeightSource weights, InferenceOptions options)
      throws IOException {
    return new ImageEncoder(
        config,
        OnnxNetwork.open("safety checker", ClipVisionGraph.build(config, tower), weights, options));
  }

  /** [batch, projection_dim] embeddings of [batch, channels, size, size] normalized pixels. */
  public FloatTensor embed(FloatTensor pixels) {
    long side = config.imageSize();
    long[] shape = pixels.shape();
    if (shape.length != 4
        || shape[1] != config.numChannels()
        || shape[2] != side
        || shape[3] != side) {
      throw new IllegalArgumentException(
          "the safety checker takes [batch, "
              + config.numChannels()
              + ", "
              + side
              + ", "
              + side
              + "] pixels, got "
              + Arrays.toString(shape));
    }
    return network
        .run(
            Map.of(ClipVisionGraph.PIXEL_VALUES, network.floats(pixels)),
            ClipVisionGraph.IMAGE_EMBEDS)
        .get(ClipVisionGraph.IMAGE_EMBEDS);
  }

  @Override
  public void close() {
    network.close();
  }
}
