package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;

/**
 * controlnet_aux's {@code LeresDetector} ({@code depth_leres}, and {@code depth_leres++} with
 * boost): without boost the LeReS ResNeXt-101 depth network on the padded image at its own size,
 * with boost {@link LeresBoost}'s merged estimate (which needs the pix2pix merge network); the
 * depth scaled by its minimum and maximum to 16 bits (truncated), then to 8 bits ({@code
 * cv2.convertScaleAbs} by 255/65535, rounded); values up to {@code thrA} percent of 255 are zeroed
 * (remove near), the map inverted, and values up to {@code thrB} percent zeroed again (remove
 * background), as {@code cv2.threshold}'s {@code THRESH_TOZERO} does.
 *
 * <p>ONNX contract ({@code annotators/res101.onnx}, made by {@code tools/annotators/depth.py}):
 * input {@code image}, float32 (1, 3, H, W), BGR as {@code (x - mean) / std} with x in 0..255 (not
 * divided by 255: torchvision's {@code ToTensor} leaves float arrays as they are) and ImageNet's
 * mean and std in their RGB order, H and W multiples of 32; output (1, 1, H, W), the depth.
 *
 * <p>The merge network ({@code annotators/latest_net_G.onnx}): input {@code depths}, float32 (1, 2,
 * 1024, 1024), the low- and high-resolution estimates each min-max normalised and mapped to -1..1;
 * output (1, 1, 1024, 1024), the merged depth in -1..1.
 *
 * @param merge the merge network for {@code depth_leres++}; null without boost
 */
record LeresDetector(Path network, Path merge, int thrA, int thrB) implements Preprocessor {

  static final String FILE = "res101.onnx";
  static final String MERGE_FILE = "latest_net_G.onnx";

  private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] STD = {0.229f, 0.224f, 0.225f};
  private static final float TO_8_BITS = (float) (255.0 / 65535.0);

  LeresDetector {
    if (thrA < 0 || thrA > 100 || thrB < 0 || thrB > 100) {
      throw new IllegalArgumentException(
          "depth_leres thr_a and thr_b are percentages 0..100, were " + thrA + " and " + thrB);
    }
  }

  /** {@code depth_leres}: without boost. */
  LeresDetector(Path network, int thrA, int thrB) {
    this(network, null, thrA, thrB);
  }

  @Override
  public void requireFits(ControlImage image) {
    if (merge != null) {
      LeresBoost.requireSize(
          AnnotatorImages.padded(image.width()), AnnotatorImages.padded(image.height()));
    }
  }

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) throws IOException {
    return AnnotatorImages.atOwnResolution(image, input -> paddedMap(input, options));
  }

  /** The map of the padded image {@code input}, of its size. */
  private ControlImage paddedMap(ControlImage input, InferenceOptions options) throws IOException {
    float[] depth =
        merge != null
            ? LeresBoost.depth(input, network, merge, options)
            : AnnotatorTensors.run(
                    "the LeReS annotator",
                    network,
                    networkInput(input),
                    new long[] {1, 1, input.height(), input.width()},
                    options)
                .values();
    byte[] map = eightBits(depth);
    int nearBelow = threshold(thrA);
    int backgroundBelow = threshold(thrB);
    for (int i = 0; i < map.length; i++) {
      int value = map[i] & 0xff;
      if (value <= nearBelow) {
        value = 0;
      }
      value = 255 - value;
      if (value <= backgroundBelow) {
        value = 0;
      }
      map[i] = (byte) value;
    }
    return AnnotatorImages.grey(map, input.width(), input.height());
  }

  /** LeReS' input: {@code image} in BGR as {@code (x - mean) / std}, x in 0..255. */
  static FloatTensor networkInput(ControlImage image) {
    return AnnotatorTensors.planar(
        image, true, (channel, value) -> (value - MEAN[channel]) / STD[channel]);
  }

  /** The depth as 16 bits by its minimum and maximum, then {@code cv2.convertScaleAbs} to 8. */
  private static byte[] eightBits(float[] depth) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float value : depth) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    byte[] map = new byte[depth.length];
    float range = max - min;
    if (range > Math.ulp(1.0)) {
      for (int i = 0; i < depth.length; i++) {
        int sixteen = (int) (65535f * (depth[i] - min) / range);
        map[i] = (byte) Math.rint(sixteen * TO_8_BITS);
      }
    }
    return map;
  }

  /**
   * The largest value {@code cv2.threshold(map, percent / 100 * 255, 255, THRESH_TOZERO)} zeroes
   * (it floors the threshold of 8-bit images and keeps what is above); -1 for 0, which the detector
   * skips.
   */
  private static int threshold(int percent) {
    return percent == 0 ? -1 : (int) Math.floor(percent / 100.0 * 255);
  }
}
