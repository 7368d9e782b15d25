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
 * 1024x1024 and merged by the pix2pix network, then resized back to the image; where the searched
 * size is at most the image's longest side, {@link LeresPatches} refines that estimate in patches.
 * As in controlnet_aux, the search's resizes pass their interpolation flag as {@code dst}, so they
 * are linear.
 */
final class LeresBoost {

  /** LeReS' receptive field, the size of the low-resolution estimate and the search's start. */
  static final int RECEPTIVE_FIELD = 448;

  /**
   * The shortest longest side (of the padded image) at which controlnet_aux's search loop runs;
   * below it controlnet_aux fails.
   */
  static final int MIN_LONGEST_SIDE = 160;

  /** The merge network's input and output size. */
  static final int MERGE_SIZE = 1024;

  /** R_max, the largest resolution the search goes to. */
  static final int WHOLE_SIZE_THRESHOLD = 1600;

  private static final int SPEED_SCALE = 32;
  private static final int SCALE_THRESHOLD = 3;
  private static final double CONFIDENCE = 0.2;

  private static final String LERES = "the LeReS annotator";
  private static final String MERGE = "the LeReS merge annotator";

  private LeresBoost() {}

  /** The resolution search's result: R_x, and the patch scale (K in the paper's section 6). */
  record Search(int size, double patchScale) {}

  /**
   * The boosted depth of {@code image} (at its size, row-major).
   *
   * @param network LeReS ({@code res101.onnx})
   * @param merge the merge network ({@code latest_net_G.onnx})
   * @throws IllegalArgumentException when the image is too small for the search
   */
  static float[] depth(ControlImage image, Path network, Path merge, InferenceOptions options)
      throws IOException {
    int longest = Math.max(image.width(), image.height());
    Search search = search(image);
    try (Networks networks = Networks.open(network, merge, options)) {
      float[] whole = networks.doubleEstimate(image, search.size());
      if (longest < search.size()) {
        return OpenCvResize.resize(
            whole, MERGE_SIZE, MERGE_SIZE, 1, image.height(), image.width(), Interpolation.CUBIC);
      }
      return LeresPatches.refined(image, search, whole, networks);
    }
  }

  /** LeReS and the merge network, open for the estimates of one image and its patches. */
  record Networks(AnnotatorNetwork leres, Path leresFile, AnnotatorNetwork merge, Path mergeFile)
      implements AutoCloseable {

    static Networks open(Path leres, Path merge, InferenceOptions options) throws IOException {
      AnnotatorNetwork leresNetwork = AnnotatorNetwork.open(LERES, leres, options);
      try {
        return new Networks(
            leresNetwork, leres, AnnotatorNetwork.open(MERGE, merge, options), merge);
      } catch (IOException | RuntimeException e) {
        leresNetwork.close();
        throw e;
      }
    }

    /**
     * {@code doubleestimate}: LeReS at 448 and at {@code size}, merged, mapped to 0..1 and min-max
     * normalised (1024x1024).
     */
    float[] doubleEstimate(ControlImage image, int size) throws IOException {
      float[] low = estimate(image, RECEPTIVE_FIELD);
      float[] high = estimate(image, size);
      return AnnotatorImages.minMaxNorm(merged(low, high));
    }

    /**
     * {@code estimateleres(img, model, size, size)} resized on to the merge size: the image resized
     * (8-bit, linear) to {@code size x size}, LeReS, its depth resized (cubic) back to the image,
     * then (cubic) to 1024x1024.
     */
    private float[] estimate(ControlImage image, int size) throws IOException {
      byte[] resized =
          OpenCvResize.resize(
              image.rgb(), image.height(), image.width(), 3, size, size, Interpolation.LINEAR);
      FloatTensor input = LeresDetector.networkInput(new ControlImage(size, size, resized));
      float[] depth =
          AnnotatorTensors.run(leres, LERES, leresFile, input, new long[] {1, 1, size, size})
              .values();
      float[] back =
          OpenCvResize.resize(
              depth, size, size, 1, image.height(), image.width(), Interpolation.CUBIC);
      return OpenCvResize.resize(
          back, image.height(), image.width(), 1, MERGE_SIZE, MERGE_SIZE, Interpolation.CUBIC);
    }

    /**
     * {@code Pix2Pix4DepthModel}'s {@code set_input}, {@code test} and {@code (fake_B + 1) / 2}:
     * both 1024x1024 maps min-max normalised (copies) to -1..1, {@code outer} first, merged, mapped
     * to 0..1.
     */
    float[] merged(float[] outer, float[] inner) throws IOException {
      int plane = MERGE_SIZE * MERGE_SIZE;
      float[] pair = new float[2 * plane];
      float[] outerNormalised = AnnotatorImages.minMaxNorm(outer.clone());
      float[] innerNormalised = AnnotatorImages.minMaxNorm(inner.clone());
      for (int i = 0; i < plane; i++) {
        pair[i] = outerNormalised[i] * 2 - 1;
        pair[plane + i] = innerNormalised[i] * 2 - 1;
      }
      float[] merged =
          AnnotatorTensors.run(
                  merge,
                  MERGE,
                  mergeFile,
                  new FloatTensor(new long[] {1, 2, MERGE_SIZE, MERGE_SIZE}, pair),
                  new long[] {1, 1, MERGE_SIZE, MERGE_SIZE})
              .values();
      for (int i = 0; i < merged.length; i++) {
        merged[i] = (merged[i] + 1) / 2;
      }
      return merged;
    }

    @Override
    public void close() {
      try (leres) {
        merge.close();
      }
    }
  }

  /** {@code rgb2gray} then the absolute Sobel derivatives summed, in float64. */
  static double[] gradient(ControlImage image) {
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
    return gradient;
  }

  /**
   * Refuses a padded image too small for the resolution search.
   *
   * @throws IllegalArgumentException naming the size it needs
   */
  static void requireSize(int width, int height) {
    if (Math.max(width, height) < MIN_LONGEST_SIDE) {
      throw new IllegalArgumentException(
          "depth_leres++ needs an image whose longest side is at least "
              + MIN_LONGEST_SIDE
              + " px once padded to multiples of 64 (so longer than 128 px), where"
              + " controlnet_aux's resolution search has a first step; this one is "
              + width
              + "x"
              + height
              + " padded");
    }
  }

  /**
   * {@code calculateprocessingres}: R_x, the size LeReS sees the whole image at, and K.
   *
   * @throws IllegalArgumentException when the image is too small for the search
   */
  static Search search(ControlImage image) {
    requireSize(image.width(), image.height());
    int height = image.height();
    int width = image.width();
    int side = Math.min(width, height);
    double[] edges =
        OpenCvResize.resize(gradient(image), height, width, 1, side, side, Interpolation.LINEAR);
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
    int threshold = Math.min(WHOLE_SIZE_THRESHOLD, SCALE_THRESHOLD * Math.max(width, height));
    int scale = kernelSize;
    float[] context = null;
    int contextSize = 0;
    for (int p = kernelSize;
        p < threshold / SPEED_SCALE;
        p += RECEPTIVE_FIELD / (2 * SPEED_SCALE)) {
      context = pooled(edges, side, p);
      contextSize = p;
      float[] dilated =
          OpenCvFilter.dilate(context, p, p, 1, ones(kernelSize), kernelSize, kernelSize);
      if (share(dilated, 0) > CONFIDENCE) {
        break;
      }
      scale = p;
    }
    int quarter = RECEPTIVE_FIELD / (4 * SPEED_SCALE);
    float[] region =
        OpenCvFilter.dilate(context, contextSize, contextSize, 1, ones(quarter), quarter, quarter);
    return new Search(scale * SPEED_SCALE, share(region, 1));
  }

  private static boolean[] ones(int size) {
    boolean[] kernel = new boolean[size * size];
    Arrays.fill(kernel, true);
    return kernel;
  }

  /**
   * The share of a 0/1 map's cells that are {@code value}: numpy's {@code x.mean()} for 1, {@code
   * (1 - x).mean()} for 0 (exact sums of 0s and 1s, over the count).
   */
  private static double share(float[] map, float value) {
    int count = 0;
    for (float cell : map) {
      if (cell == value) {
        count++;
      }
    }
    return (double) count / map.length;
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
    double[] resized = OpenCvResize.resize(pooled, blocks, blocks, 1, p, p, Interpolation.LINEAR);
    float[] context = new float[resized.length];
    for (int i = 0; i < resized.length; i++) {
      context[i] = resized[i] >= 0.5 ? 1 : 0;
    }
    return context;
  }
}
