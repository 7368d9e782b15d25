package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceException;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.OpenCvFilter;

/**
 * The steps the edge annotators (HED, PiDiNet, lineart) share around their networks: a map read
 * from the network's outputs, and the scribble post-process of controlnet_aux's HED and PiDiNet
 * detectors.
 */
final class EdgeMaps {

  private EdgeMaps() {}

  /**
   * Runs the network in {@code model} on {@code image} ({@code 1x3xHxW}) and reads its one map,
   * {@code output} ({@code 1x1xHxW}).
   */
  static float[] runToMap(
      String name, Path model, FloatTensor image, String output, InferenceOptions options)
      throws IOException {
    return map(
        AnnotatorTensors.outputs(name, model, image, options),
        output,
        model,
        (int) image.dim(2),
        (int) image.dim(3));
  }

  /**
   * The {@code 1x1xHxW} output {@code name} of the network in {@code model}.
   *
   * @throws InferenceException when the model has no such output or gives it another shape (a file
   *     not made by tools/annotators/)
   */
  static float[] map(
      Map<String, FloatTensor> outputs, String name, Path model, int height, int width) {
    FloatTensor map = outputs.get(name);
    long[] expected = {1, 1, height, width};
    if (map == null || !Arrays.equals(map.shape(), expected)) {
      throw new InferenceException(
          model
              + " gives "
              + (map == null ? "no output " + name : name + Arrays.toString(map.shape()))
              + ", not "
              + name
              + Arrays.toString(expected)
              + " for a "
              + width
              + "x"
              + height
              + " image: it is not the annotator tools/annotators/edges.py exports");
    }
    return map.values();
  }

  /** numpy's {@code x.clip(0, 255).astype(np.uint8)} of a float32 value. */
  static int clipToByte(float value) {
    return (int) Math.min(255f, Math.max(0f, value));
  }

  /**
   * The scribble step of controlnet_aux's HED and PiDiNet detectors on an 8-bit map: {@code nms}
   * (threshold 127, sigma 3) leaves the ridges, a Gaussian blur (sigma 3) widens them, and every
   * level above 4 becomes 255, the rest 0.
   */
  static byte[] scribble(byte[] map, int width, int height) {
    float[] levels = new float[map.length];
    for (int i = 0; i < map.length; i++) {
      levels[i] = map[i] & 0xff;
    }
    byte[] ridges = AnnotatorImages.nms(levels, height, width, 127, 3.0);
    byte[] blurred = OpenCvFilter.gaussianBlur(ridges, height, width, 1, 0, 0, 3.0, 0);
    byte[] scribble = new byte[blurred.length];
    for (int i = 0; i < blurred.length; i++) {
      scribble[i] = (blurred[i] & 0xff) > 4 ? (byte) 255 : 0;
    }
    return scribble;
  }
}
