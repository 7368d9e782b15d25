package network.hydrogen.engine.controlnet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import network.hydrogen.engine.graph.AnnotatorNetwork;
import network.hydrogen.engine.graph.FloatTensor;
import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.image.OpenCvFilter;
import network.hydrogen.engine.image.OpenCvResize;
import network.hydrogen.engine.image.OpenCvResize.Interpolation;

/**
 * controlnet_aux's {@code estimateboost} for LeReS ({@code depth_leres++}): the resolution search
 * of the boosting paper (edges of the grey image, pooled and dilated at growing sizes until more
 * than 20% of the image lacks context), LeReS at 448 and at the searched size, both resized to
 * 1024x1024 and merged by the pix2pix network, then resized back to the image.
 *
 * <p>Only the whole-image branch is here: where the searched size is at most the image's longest
 * side, controlnet_aux goes on to refine patches, which this refuses. As in controlnet_aux, the
 * search's resizes pass their interpolation flag as {@code dst}, so they are linear.
 */
final class LeresBoost {

  /** LeReS' receptive field, the size of the low-resolution estimate and the search's start. */
  static final int RECEPTIVE_FIELD = 448;

  /**
   * The shortest longest side (of the padded image) at which controlnet_aux's search loop runs;
   * below it controlnet_aux fails.
   */
  static final int MIN_LONGEST_SIDE = 160;

  private static final int MERGE_SIZE = 1024;
  private static final int WHOLE_SIZE_THRESHOLD = 1600;
  private static final int SPEED_SCALE = 32;
  private static final int SCALE_THRESHOLD = 3;
  private static final double CONFIDENCE = 0.2;

  private static final String LERES = "the LeReS annotator";

  private LeresBoost() {}

  /**
   * The boosted depth of {@code image} (at its size, row-major).
   *
   * @param network LeReS ({@code res101.onnx})
   * @param merge the merge network ({@code latest_net_G.onnx})
   * @throws IllegalArgumentException when the image is too small for the search, or would need
   *     controlnet_aux's patch refinement
   */
  static float[] depth(ControlImage image, Path network, Path merge, InferenceOptions options)
      throws IOException {
    int longest = Math.max(image.width(), image.height());
    if (longest < MIN_LONGEST_SIDE) {
      throw new IllegalArgumentException(
          "depth_leres++ needs an image whose longest side is at least "
              + MIN_LONGEST_SIDE
              + " px once padded to multiples of 64 (so longer than 128 px), where"
              + " controlnet_aux's resolution search has a first step; this one is "
              + image.width()
              + "x"
              + image.height());
    }
    int size = searchedSize(image);
    if (longest >= size) {
      throw new IllegalArgumentException(
          "depth_leres++ would refine patches of this "
              + image.width()
              + "x"
              + image.height()
              + " image (its searched resolution "
              + size
              + " is at most its longest side), which the engine does not do yet; images whose"
              + " longest side is under "
              + RECEPTIVE_FIELD
              + " px once padded to multiples of 64 never need it");
    }
    float[] low;
    float[] high;
    try (AnnotatorNetwork leres = AnnotatorNetwork.open(LERES, network, options)) {
      low = estimate(leres, network, image, RECEPTIVE_FIELD);
      high = estimate(leres, network, image, size);
    }
    float[] merged = merged(merge, low, high, options);
    return OpenCvResize.resize(
        merged, MERGE_SIZE, MERGE_SIZE, 1, image.height(), image.width(), Interpolation.CUBIC);
  }

  /** {@code calculateprocessingres}'s R_x: the size LeReS sees the whole image at. */
  static int searchedSize(ControlImage image) {
    int height = image.height();
    int width = image.width();
    double[] grey = new double[width * height];
    byte[] rgb = image.rgb();
    for (int i = 0; i < grey.length; i++) {
      grey[i] =
          (rgb[3 * i] & 0xff) * 0.2989
              + (rgb[3 * i + 1] & 0xff) * 0.5870
              + (rgb[3 * i + 2] & 0xff) * 0.1140;
    }
    double[] dy = OpenCvFilter.sobel3(grey, height, width, 0, 1);
    double[] dx = OpenCvFilter.sobel3(grey, height, width, 1, 0);
    double[] gradient = new double[grey.length];
    for (int i = 0; i < gradient.length; i++) {
      gradient[i] = Math.abs(dy[i]) + Math.abs(dx[i]);
    }
    int side = Math.min(width, height);
    double[] edges = OpenCvResize.resizeLinear(gradient, height, width, 1, side, side);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double value : edges) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    double middle = min + (0.4 * (max - min));
    for (int i = 0; i < edges.length; i++) {
      edges[i] = edges[i] < middle ? 0 : 1;
    }
    int kernelSize = RECEPTIVE_FIELD / SPEED_SCALE;
    boolean[] kernel = new boolean[kernelSize * kernelSize];
    Arrays.fill(kernel, true);
    int threshold = Math.min(WHOLE_SIZE_THRESHOLD, SCALE_THRESHOLD * Math.max(width, height));
    int scale = kernelSize;
    for (int p = kernelSize;
        p < threshold / SPEED_SCALE;
        p += RECEPTIVE_FIELD / (2 * SPEED_SCALE)) {
      float[] context = pooled(edges, side, p);
      float[] dilated = OpenCvFilter.dilate(context, p, p, 1, kernel, kernelSize, kernelSize);
      int uncovered = 0;
      for (float value : dilated) {
        if (value == 0) {
          uncovered++;
        }
      }
      if ((double) uncovered / dilated.length > CONFIDENCE) {
        break;
      }
      scale = p;
    }
    return scale * SPEED_SCALE;
  }

  /**
   * {@code resizewithpool} (block maxima, the last blocks padded with 0) resized linearly to {@code
   * p x p} and thresholded at 0.5, as 0/1.
   */
  private static float[] pooled(double[] edges, int side, int p) {
    int n = side / p;
    int blocks = (side + n - 1) / n;
    double[] pooled = new double[blocks * blocks];
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int at = (y / n) * blocks + x / n;
        pooled[at] = Math.max(pooled[at], edges[y * side + x]);
      }
    }
    double[] resized = OpenCvResize.resizeLinear(pooled, blocks, blocks, 1, p, p);
    float[] context = new float[resized.length];
    for (int i = 0; i < resized.length; i++) {
      context[i] = resized[i] >= 0.5 ? 1 : 0;
    }
    return context;
  }

  /**
   * {@code estimateleres(img, model, size, size)} resized on to the merge size: the image resized
   * (8-bit, linear) to {@code size x size}, LeReS, its depth resized (cubic) back to the image,
   * then (cubic) to 1024x1024.
   */
  private static float[] estimate(AnnotatorNetwork leres, Path file, ControlImage image, int size)
      throws IOException {
    byte[] resized =
        OpenCvResize.resize(
            image.rgb(), image.height(), image.width(), 3, size, size, Interpolation.LINEAR);
    FloatTensor input = LeresDetector.networkInput(new ControlImage(size, size, resized));
    float[] depth =
        AnnotatorTensors.run(leres, LERES, file, input, new long[] {1, 1, size, size}).values();
    float[] back =
        OpenCvResize.resize(
            depth, size, size, 1, image.height(), image.width(), Interpolation.CUBIC);
    return OpenCvResize.resize(
        back, image.height(), image.width(), 1, MERGE_SIZE, MERGE_SIZE, Interpolation.CUBIC);
  }

  /**
   * {@code Pix2Pix4DepthModel}: both estimates min-max normalised to -1..1 (the low one first),
   * merged, mapped back to 0..1 and min-max normalised.
   */
  private static float[] merged(Path merge, float[] low, float[] high, InferenceOptions options)
      throws IOException {
    int plane = MERGE_SIZE * MERGE_SIZE;
    float[] pair = new float[2 * plane];
    float[] lowNormalised = AnnotatorImages.minMaxNorm(low);
    float[] highNormalised = AnnotatorImages.minMaxNorm(high);
    for (int i = 0; i < plane; i++) {
      pair[i] = lowNormalised[i] * 2 - 1;
      pair[plane + i] = highNormalised[i] * 2 - 1;
    }
    float[] merged =
        AnnotatorTensors.run(
                "the LeReS merge annotator",
                merge,
                new FloatTensor(new long[] {1, 2, MERGE_SIZE, MERGE_SIZE}, pair),
                new long[] {1, 1, MERGE_SIZE, MERGE_SIZE},
                options)
            .values();
    for (int i = 0; i < merged.length; i++) {
      merged[i] = (merged[i] + 1) / 2;
    }
    return AnnotatorImages.minMaxNorm(merged);
  }
}
