package network.hydrogen.engine.controlnet;

import network.hydrogen.engine.graph.InferenceOptions;
import network.hydrogen.engine.random.TorchRandom;

/**
 * controlnet_aux's {@code ContentShuffleDetector} with the detection resolution at the image's
 * size: two smooth random fields ({@code make_noise_disk}: uniform noise on a coarse grid of cell
 * size {@code f}, bicubic upsampling, cropped, normalised to [0, 1]) give every output pixel a
 * source position, sampled bilinearly (outside the image: black). The annotator draws its noise
 * from numpy's global generator; here it is numpy's legacy {@code MT19937} seeded as {@code
 * np.random.seed(seed)} with the task's seed, so the same task shuffles the same way. The bicubic
 * and bilinear steps follow OpenCV's formulas in double precision (OpenCV's own remap quantises
 * positions to 1/32 pixel, so single values may differ by one level).
 *
 * @param height the output height ({@code h}), or 0 for the image's
 * @param width the output width ({@code w}), or 0 for the image's
 * @param cell the noise cell size ({@code f})
 */
record ContentShuffle(int height, int width, int cell, long seed) implements Preprocessor {

  /** OpenCV's bicubic coefficient. */
  private static final double A = -0.75;

  ContentShuffle {
    if (height < 0 || width < 0 || cell < 1) {
      throw new IllegalArgumentException(
          "shuffle needs h, w >= 1 (or absent) and f >= 1, got "
              + height
              + ", "
              + width
              + ", "
              + cell);
    }
    if (seed < 0 || seed > 0xffffffffL) {
      throw new IllegalArgumentException("the shuffle seed must be in 0..2^32-1, was " + seed);
    }
  }

  @Override
  public ControlImage apply(ControlImage image, InferenceOptions options) {
    int h = height == 0 ? image.height() : height;
    int w = width == 0 ? image.width() : width;
    NumPyUniform random = new NumPyUniform(seed);
    double[] x = noiseDisk(random, h, w, cell);
    double[] y = noiseDisk(random, h, w, cell);
    byte[] out = new byte[3 * h * w];
    for (int i = 0; i < h * w; i++) {
      // the flow is float32 in the annotator
      double sx = (float) (x[i] * (image.width() - 1));
      double sy = (float) (y[i] * (image.height() - 1));
      int x0 = (int) Math.floor(sx);
      int y0 = (int) Math.floor(sy);
      double fx = sx - x0;
      double fy = sy - y0;
      for (int c = 0; c < 3; c++) {
        double value =
            (1 - fy) * ((1 - fx) * pixel(image, x0, y0, c) + fx * pixel(image, x0 + 1, y0, c))
                + fy
                    * ((1 - fx) * pixel(image, x0, y0 + 1, c)
                        + fx * pixel(image, x0 + 1, y0 + 1, c));
        out[3 * i + c] = (byte) Math.max(0, Math.min(255, Math.round(value)));
      }
    }
    return new ControlImage(w, h, out);
  }

  private static int pixel(ControlImage image, int x, int y, int c) {
    if (x < 0 || y < 0 || x >= image.width() || y >= image.height()) {
      return 0;
    }
    return image.rgb()[3 * (y * image.width() + x) + c] & 0xff;
  }

  /** {@code make_noise_disk(h, w, 1, f)}, row-major {@code h x w}. */
  private static double[] noiseDisk(NumPyUniform random, int h, int w, int f) {
    int gridHeight = h / f + 2;
    int gridWidth = w / f + 2;
    double[] grid = new double[gridHeight * gridWidth];
    for (int i = 0; i < grid.length; i++) {
      grid[i] = random.next();
    }
    int bigHeight = h + 2 * f;
    int bigWidth = w + 2 * f;
    double scaleY = (double) gridHeight / bigHeight;
    double scaleX = (double) gridWidth / bigWidth;
    double[] noise = new double[h * w];
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int oy = 0; oy < h; oy++) {
      double[] wy = new double[4];
      int sy = cubicTap(oy + f, scaleY, wy);
      for (int ox = 0; ox < w; ox++) {
        double[] wx = new double[4];
        int sx = cubicTap(ox + f, scaleX, wx);
        double sum = 0;
        for (int j = 0; j < 4; j++) {
          int row = Math.clamp(sy - 1 + j, 0, gridHeight - 1);
          for (int i = 0; i < 4; i++) {
            int col = Math.clamp(sx - 1 + i, 0, gridWidth - 1);
            sum += wy[j] * wx[i] * grid[row * gridWidth + col];
          }
        }
        noise[oy * w + ox] = sum;
        min = Math.min(min, sum);
        max = Math.max(max, sum);
      }
    }
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (noise[i] - min) / (max - min);
    }
    return noise;
  }

  /** OpenCV's bicubic source index and weights of destination index {@code d}. */
  private static int cubicTap(int d, double scale, double[] weights) {
    double position = (d + 0.5) * scale - 0.5;
    int source = (int) Math.floor(position);
    double t = position - source;
    weights[0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
    weights[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
    weights[2] = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
    weights[3] = 1 - weights[0] - weights[1] - weights[2];
    return source;
  }

  /**
   * numpy's legacy {@code np.random.seed(seed); np.random.uniform()}: MT19937 seeded by {@code
   * init_genrand} (as torch seeds it), doubles from 53 bits of two draws.
   */
  private static final class NumPyUniform {
    private final TorchRandom bits;

    NumPyUniform(long seed) {
      bits = new TorchRandom(seed);
    }

    double next() {
      long a = (bits.nextInt() >>> 5) & 0xffffffffL;
      long b = (bits.nextInt() >>> 6) & 0xffffffffL;
      return (a * 67108864.0 + b) / 9007199254740992.0;
    }
  }
}
