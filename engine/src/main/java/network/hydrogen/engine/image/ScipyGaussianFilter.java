package network.hydrogen.engine.image;

/**
 * SciPy's {@code scipy.ndimage.gaussian_filter(image, sigma)} on a 2-D float64 image with its
 * defaults (mode "reflect", truncate 4.0), as the OpenPose estimators blur their heatmaps before
 * finding peaks. Not OpenCV's {@code GaussianBlur}: the kernel radius is {@code int(4 sigma +
 * 0.5)}, the weights are float64 and the border repeats the edge pixel ({@code d c b a | a b c d}).
 * Each axis is filtered in turn (rows' direction first), summed as SciPy's {@code correlate1d} sums
 * a symmetric kernel: the centre, then the pairs from the outermost in.
 */
public final class ScipyGaussianFilter {

  private ScipyGaussianFilter() {}

  /**
   * The filtered copy of {@code image} ({@code height x width}, row-major).
   *
   * @throws IllegalArgumentException when the sizes do not match or sigma is not positive
   */
  public static double[] filter(double[] image, int height, int width, double sigma) {
    if (height <= 0 || width <= 0 || image.length != (long) height * width) {
      throw new IllegalArgumentException(
          "an image of " + width + "x" + height + " needs " + (long) height * width + " values");
    }
    if (!(sigma > 0)) {
      throw new IllegalArgumentException("sigma must be > 0, was " + sigma);
    }
    double[] weights = kernel(sigma);
    double[] columns = new double[image.length];
    double[] line = new double[height];
    double[] out = new double[height];
    for (int x = 0; x < width; x++) {
      for (int y = 0; y < height; y++) {
        line[y] = image[y * width + x];
      }
      correlate(line, weights, out);
      for (int y = 0; y < height; y++) {
        columns[y * width + x] = out[y];
      }
    }
    double[] result = new double[image.length];
    line = new double[width];
    out = new double[width];
    for (int y = 0; y < height; y++) {
      System.arraycopy(columns, y * width, line, 0, width);
      correlate(line, weights, out);
      System.arraycopy(out, 0, result, y * width, width);
    }
    return result;
  }

  /**
   * SciPy's {@code _gaussian_kernel1d(sigma, 0, radius)}: exp(-x^2 / (2 sigma^2)) over {@code
   * -radius..radius}, divided by its sum (NumPy's pairwise sum).
   */
  static double[] kernel(double sigma) {
    int radius = (int) (4.0 * sigma + 0.5);
    double factor = -0.5 / (sigma * sigma);
    double[] weights = new double[2 * radius + 1];
    for (int i = 0; i < weights.length; i++) {
      int x = i - radius;
      weights[i] = Math.exp(factor * (x * x));
    }
    double sum = NumpySum.pairwise(weights, 0, weights.length);
    for (int i = 0; i < weights.length; i++) {
      weights[i] /= sum;
    }
    return weights;
  }

  /** One line, "reflect" border, symmetric kernel summed as SciPy's NI_Correlate1D does. */
  private static void correlate(double[] line, double[] weights, double[] out) {
    int radius = weights.length / 2;
    int n = line.length;
    for (int i = 0; i < n; i++) {
      double sum = line[i] * weights[radius];
      for (int j = -radius; j < 0; j++) {
        sum += (line[reflect(i + j, n)] + line[reflect(i - j, n)]) * weights[radius + j];
      }
      out[i] = sum;
    }
  }

  /** SciPy's "reflect" index: the edge pixel repeats ({@code d c b a | a b c d | d c b a}). */
  private static int reflect(int index, int n) {
    if (n == 1) {
      return 0;
    }
    int period = 2 * n;
    int i = Math.floorMod(index, period);
    return i < n ? i : period - 1 - i;
  }
}
