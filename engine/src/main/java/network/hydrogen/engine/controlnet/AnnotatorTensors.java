package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;

/**
 * The float32 tensors the annotators give their networks and read back, with the same float steps
 * controlnet_aux takes in torch and numpy, so that the maps match its bit for bit; and the one way
 * they open, run and close a network.
 */
final class AnnotatorTensors {

  private AnnotatorTensors() {}

  /** How a 0..255 value of the network's input channel {@code channel} becomes its input. */
  @FunctionalInterface
  interface ChannelValue {
    float of(int channel, int value);
  }

  /**
   * {@code image} as a (1, 3, H, W) tensor, channel by channel through {@code value}; {@code bgr}
   * feeds the channels in blue, green, red order (as networks fed from cv2's BGR arrays take them).
   */
  static FloatTensor planar(ControlImage image, boolean bgr, ChannelValue value) {
    int plane = image.width() * image.height();
    float[] values = new float[3 * plane];
    byte[] rgb = image.rgb();
    for (int c = 0; c < 3; c++) {
      int source = bgr ? 2 - c : c;
      for (int i = 0; i < plane; i++) {
        values[c * plane + i] = value.of(c, rgb[3 * i + source] & 0xff);
      }
    }
    return new FloatTensor(new long[] {1, 3, image.height(), image.width()}, values);
  }

  /**
   * {@code image} as a (1, 3, H, W) tensor of {@code value / divisor - offset} per 8-bit sample (in
   * float32, as torch computes it), its channels in RGB order or, with {@code bgr}, reversed.
   */
  static FloatTensor planar(ControlImage image, boolean bgr, float divisor, float offset) {
    return planar(image, bgr, (channel, value) -> value / divisor - offset);
  }

  /**
   * Opens the network in {@code file} (called {@code name} in messages), runs it on {@code input}
   * (its single input) and closes it: all its outputs, by name.
   */
  static Map<String, FloatTensor> outputs(
      String name, Path file, FloatTensor input, InferenceOptions options) throws IOException {
    try (AnnotatorNetwork network = AnnotatorNetwork.open(name, file, options)) {
      return outputs(network, input);
    }
  }

  /** All outputs, by name, of an open network run on {@code input} (its single input). */
  static Map<String, FloatTensor> outputs(AnnotatorNetwork network, FloatTensor input) {
    return network.run(Map.of(network.inputNames().getFirst(), input));
  }

  /**
   * Runs the network in {@code file} on {@code input} (its single input) and returns its first
   * output, which must have {@code expectedShape} (when not null).
   *
   * @param name the network in messages (e.g. "the MiDaS annotator")
   * @throws IllegalStateException when the output has another shape than the ONNX contract's
   */
  static FloatTensor run(
      String name, Path file, FloatTensor input, long[] expectedShape, InferenceOptions options)
      throws IOException {
    try (AnnotatorNetwork network = AnnotatorNetwork.open(name, file, options)) {
      return run(network, name, file, input, expectedShape);
    }
  }

  /** {@link #run(String, Path, FloatTensor, long[], InferenceOptions)} on an open network. */
  static FloatTensor run(
      AnnotatorNetwork network, String name, Path file, FloatTensor input, long[] expectedShape)
      throws IOException {
    FloatTensor output = outputs(network, input).get(network.outputNames().getFirst());
    if (expectedShape != null && !Arrays.equals(output.shape(), expectedShape)) {
      throw new IllegalStateException(
          name
              + " ("
              + file
              + ") gave an output of shape "
              + Arrays.toString(output.shape())
              + " for an input of shape "
              + Arrays.toString(input.shape())
              + ", not "
              + Arrays.toString(expectedShape));
    }
    return output;
  }

  /**
   * numpy's {@code (x * 255.0).clip(0, 255).astype(np.uint8)} of a float32 {@code x}: truncated,
   * NaN to 0.
   */
  static byte toUint8(float x) {
    float scaled = x * 255f;
    return (byte) (scaled >= 255f ? 255 : scaled > 0f ? (int) scaled : 0);
  }
}
