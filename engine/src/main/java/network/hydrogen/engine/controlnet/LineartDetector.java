package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.InferenceOptions;

/**
 * controlnet_aux's {@code LineartDetector}: {@code lineart_realistic} runs {@code sk_model}, {@code
 * lineart_coarse} {@code sk_model2} (the same generator, other weights). On the padded image
 * ({@link AnnotatorImages#pad64}): RGB scaled to [0, 1], the network, {@code line * 255} clipped
 * and truncated to 8 bits, inverted ({@code 255 - map}: dark lines on white), cropped, in three
 * channels.
 *
 * <p>ONNX contract ({@code annotators/sk_model.onnx}, {@code annotators/sk_model2.onnx}, from
 * {@code tools/annotators/edges.py}): input {@code image}, float32 {@code 1x3xHxW}, RGB in [0, 1],
 * H and W multiples of 4; output {@code line}, {@code 1x1xHxW} in [0, 1] (the generator's sigmoid).
 */
record LineartDetector(Path model) implements Preprocessor {

  /** The file of {@code lineart_realistic}'s network. */
  static final String REALISTIC = "sk_model.onnx";

  /** The file of {@code lineart_coarse}'s network. */
  static final String COARSE = "sk_model2.onnx";

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    float[] line =
        EdgeMaps.runToMap(
            "the lineart annotator",
            model,
            AnnotatorTensors.planar(input, false, 255f, 0f),
            "line",
            options);
    byte[] map = new byte[line.length];
    for (int i = 0; i < line.length; i++) {
      map[i] = (byte) (255 - EdgeMaps.clipToByte(line[i] * 255f));
    }
    return AnnotatorImages.grey(map, input.width(), input.height());
  }
}
