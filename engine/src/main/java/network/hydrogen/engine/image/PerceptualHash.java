package network.hydrogen.engine.image;

import java.awt.image.BufferedImage;

/**
 * The 64-bit DCT perceptual hash (pHash) of an image, the per-image result format of the Task
 * contract: grayscale (ITU-R 601-2 luma), area-average resize to 32×32, 2-D DCT-II, the top-left
 * 8×8 coefficients thresholded at their median (as {@code imagehash.phash}); the first coefficient
 * is the most significant bit. Deterministic: plain double arithmetic in a fixed order.
 */
public final class PerceptualHash {
  private static final int SIZE = 32;
  private static final int HASH = 8;
  private static final double[][] COSINES = cosines();

  private PerceptualHash() {}

  /** The pHash of an image. */
  public static long of(BufferedImage image) {
    double[][] pixels = shrink(luma(image), image.getWidth(), image.getHeight());
    double[][] rows = new double[SIZE][];
    for (int y = 0; y < SIZE; y++) {
      rows[y] = dct(pixels[y]);
    }
    double[] low = new double[HASH * HASH];
    double[] column = new double[SIZE];
    for (int x = 0; x < HASH; x++) {
      for (int y = 0; y < SIZE; y++) {
        column[y] = rows[y][x];
      }
      double[] c = dct(column);
      for (int y = 0; y < HASH; y++) {
        low[y * HASH + x] = c[y];
      }
    }
    double median = median(low);
    long hash = 0;
    for (double v : low) {
      hash = (hash << 1) | (v > median ? 1 : 0);
    }
    return hash;
  }

  /** The number of differing bits of two hashes. */
  public static int distance(long a, long b) {
    return Long.bitCount(a ^ b);
  }

  private static double[] luma(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    double[] out = new double[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        out[y * w + x] = (r * 299 + g * 587 + b * 114) / 1000.0;
      }
    }
    return out;
  }

  /** Each target pixel is the area-weighted mean of the source pixels it covers. */
  private static double[][] shrink(double[] src, int w, int h) {
    double[][] out = new double[SIZE][SIZE];
    double sx = (double) w / SIZE;
    double sy = (double) h / SIZE;
    for (int ty = 0; ty < SIZE; ty++) {
      double y0 = ty * sy;
      double y1 = y0 + sy;
      for (int tx = 0; tx < SIZE; tx++) {
        double x0 = tx * sx;
        double x1 = x0 + sx;
        double sum = 0;
        double area = 0;
        for (int y = (int) y0; y < Math.min(h, Math.ceil(y1)); y++) {
          double wy = Math.min(y1, y + 1) - Math.max(y0, y);
          for (int x = (int) x0; x < Math.min(w, Math.ceil(x1)); x++) {
            double wx = Math.min(x1, x + 1) - Math.max(x0, x);
            sum += src[y * w + x] * wx * wy;
            area += wx * wy;
          }
        }
        out[ty][tx] = sum / area;
      }
    }
    return out;
  }

  private static double[] dct(double[] x) {
    double[] out = new double[SIZE];
    for (int k = 0; k < SIZE; k++) {
      double s = 0;
      for (int n = 0; n < SIZE; n++) {
        s += x[n] * COSINES[k][n];
      }
      out[k] = 2 * s;
    }
    return out;
  }

  private static double[][] cosines() {
    double[][] c = new double[SIZE][SIZE];
    for (int k = 0; k < SIZE; k++) {
      for (int n = 0; n < SIZE; n++) {
        c[k][n] = Math.cos(Math.PI * k * (2 * n + 1) / (2.0 * SIZE));
      }
    }
    return c;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
