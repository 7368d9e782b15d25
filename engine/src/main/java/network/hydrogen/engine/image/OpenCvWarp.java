package network.hydrogen.engine.image;

/**
 * OpenCV's {@code cv2.getAffineTransform} and {@code cv2.warpAffine(src, M, size,
 * flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=...)} on 8-bit interleaved
 * images, as opencv-python-headless 5.0.0 computes them: DWPose's top-down crop of each person.
 *
 * <p>OpenCV 5 warps in float (its {@code warpAffineLinearInvoker} SIMD kernels, which use FMA): the
 * inverted matrix rounded to float, per destination pixel the source point {@code fma(M0, x, y * M1
 * + M2)}, bilinear weights from its fraction, {@code fma} lerps along x then y, rounded half to
 * even. Source pixels outside the image read as the border value; a point whose 2x2 neighbourhood
 * lies wholly outside gets the border value as is. Bit-exact on the tested crops (outputs from
 * 33x37 to DWPose's 288x384, rotated or not, inside and across the image border, rows that fill
 * OpenCV's vectors and rows that end in its scalar loop), and so are the affine matrices. The
 * linear solve and the bilinear kernel serve {@link OpenCvPerspective} too.
 */
public final class OpenCvWarp {

  private OpenCvWarp() {}

  /**
   * {@code cv2.getAffineTransform(src, dst)}: the 2x3 matrix, row-major, that maps the three points
   * {@code src} (x0, y0, x1, y1, x2, y2) onto {@code dst}, solved as OpenCV's {@code DECOMP_LU}
   * ({@link #solveLu}).
   *
   * @throws IllegalArgumentException when the source points are collinear
   */
  public static double[] affineTransform(float[] src, float[] dst) {
    if (src.length != 6 || dst.length != 6) {
      throw new IllegalArgumentException("an affine transform takes 3 points (6 values) each");
    }
    double[][] a = new double[6][6];
    double[] b = new double[6];
    for (int i = 0; i < 3; i++) {
      a[2 * i][0] = src[2 * i];
      a[2 * i][1] = src[2 * i + 1];
      a[2 * i][2] = 1;
      a[2 * i + 1][3] = src[2 * i];
      a[2 * i + 1][4] = src[2 * i + 1];
      a[2 * i + 1][5] = 1;
      b[2 * i] = dst[2 * i];
      b[2 * i + 1] = dst[2 * i + 1];
    }
    if (!solveLu(a, b)) {
      throw new IllegalArgumentException("the source points of an affine transform are collinear");
    }
    return b;
  }

  /**
   * OpenCV's {@code DECOMP_LU} ({@code hal::LU}), as {@code getAffineTransform} and {@code
   * getPerspectiveTransform} solve with it: {@code a x = b} in double by Gaussian elimination with
   * partial pivoting, the back substitution dividing by the pivots (bit-exact with
   * opencv-python-headless 5.0.0 on 2,000 random affine and 2,000 random perspective systems, where
   * multiplying by the pivots' reciprocals is an ulp off in four of five); {@code a} and {@code b}
   * are overwritten, {@code b} with x. False when a pivot is below ten epsilons (singular).
   */
  static boolean solveLu(double[][] a, double[] b) {
    double eps = Math.ulp(1.0) * 10;
    int m = b.length;
    for (int i = 0; i < m; i++) {
      int k = i;
      for (int j = i + 1; j < m; j++) {
        if (Math.abs(a[j][i]) > Math.abs(a[k][i])) {
          k = j;
        }
      }
      if (Math.abs(a[k][i]) < eps) {
        return false;
      }
      if (k != i) {
        double[] row = a[i];
        a[i] = a[k];
        a[k] = row;
        double t = b[i];
        b[i] = b[k];
        b[k] = t;
      }
      double d = -1 / a[i][i];
      for (int j = i + 1; j < m; j++) {
        double alpha = a[j][i] * d;
        for (int c = i + 1; c < m; c++) {
          a[j][c] += alpha * a[i][c];
        }
        b[j] += alpha * b[i];
      }
    }
    for (int i = m - 1; i >= 0; i--) {
      double s = b[i];
      for (int c = i + 1; c < m; c++) {
        s -= a[i][c] * b[c];
      }
      b[i] = s / a[i][i];
    }
    return true;
  }

  /**
   * {@code cv2.warpAffine(src, M, (outWidth, outHeight), flags=cv2.INTER_LINEAR,
   * borderMode=cv2.BORDER_CONSTANT, borderValue=border)}: each destination pixel (x, y) samples the
   * source at {@code M⁻¹ · (x, y, 1)}, M mapping source points to destination points.
   *
   * @param matrix the 2x3 matrix, row-major
   * @param border the border colour per channel, rounded as OpenCV rounds a scalar to 8 bits
   */
  public static byte[] warpAffine(
      byte[] src,
      int height,
      int width,
      int channels,
      double[] matrix,
      int outHeight,
      int outWidth,
      double[] border) {
    if (height <= 0
        || width <= 0
        || channels <= 0
        || (long) height * width * channels != src.length) {
      throw new IllegalArgumentException(
          src.length + " samples are no " + width + "x" + height + "x" + channels + " image");
    }
    if (matrix.length != 6 || outHeight <= 0 || outWidth <= 0 || border.length < channels) {
      throw new IllegalArgumentException(
          "warpAffine needs a 2x3 matrix, a positive size and a border value per channel");
    }
    // OpenCV maps destination to source: M inverted as warpAffine inverts it, then to float
    double[] inverse = matrix.clone();
    double det = inverse[0] * inverse[4] - inverse[1] * inverse[3];
    det = det != 0 ? 1. / det : 0;
    double a11 = inverse[4] * det;
    double a22 = inverse[0] * det;
    inverse[0] = a11;
    inverse[1] *= -det;
    inverse[3] *= -det;
    inverse[4] = a22;
    double b1 = -inverse[0] * inverse[2] - inverse[1] * inverse[5];
    double b2 = -inverse[3] * inverse[2] - inverse[4] * inverse[5];
    inverse[2] = b1;
    inverse[5] = b2;
    float[] m = new float[6];
    for (int i = 0; i < 6; i++) {
      m[i] = (float) inverse[i];
    }
    int[] fill = new int[channels];
    for (int c = 0; c < channels; c++) {
      fill[c] = (int) Math.max(0, Math.min(255, Math.rint(border[c])));
    }
    byte[] out = new byte[outHeight * outWidth * channels];
    for (int y = 0; y < outHeight; y++) {
      float rowX = (float) y * m[1] + m[2];
      float rowY = (float) y * m[4] + m[5];
      for (int x = 0; x < outWidth; x++) {
        float sx = Math.fma(m[0], (float) x, rowX);
        float sy = Math.fma(m[3], (float) x, rowY);
        int ix = (int) Math.floor(sx);
        int iy = (int) Math.floor(sy);
        float ax = sx - ix;
        float ay = sy - iy;
        int to = (y * outWidth + x) * channels;
        if (ix < -1 || ix >= width || iy < -1 || iy >= height) {
          for (int c = 0; c < channels; c++) {
            out[to + c] = (byte) fill[c];
          }
          continue;
        }
        for (int c = 0; c < channels; c++) {
          out[to + c] =
              bilinear(
                  sample(src, width, height, channels, ix, iy, c, fill[c]),
                  sample(src, width, height, channels, ix + 1, iy, c, fill[c]),
                  sample(src, width, height, channels, ix, iy + 1, c, fill[c]),
                  sample(src, width, height, channels, ix + 1, iy + 1, c, fill[c]),
                  ax,
                  ay);
        }
      }
    }
    return out;
  }

  /**
   * OpenCV's float bilinear kernel on 8-bit values: the top-left, top-right, bottom-left and
   * bottom-right neighbours interpolated by {@code fma} along x by {@code ax}, then along y by
   * {@code ay}, rounded half to even and saturated.
   */
  static byte bilinear(
      int topLeft, int topRight, int bottomLeft, int bottomRight, float ax, float ay) {
    float top = Math.fma(ax, topRight - topLeft, topLeft);
    float bottom = Math.fma(ax, bottomRight - bottomLeft, bottomLeft);
    float v = Math.fma(ay, bottom - top, top);
    return (byte) Math.max(0, Math.min(255, (int) Math.rint(v)));
  }

  /** Channel {@code c} of source pixel (x, y), or {@code fill} outside the image. */
  static int sample(
      byte[] src, int width, int height, int channels, int x, int y, int c, int fill) {
    if (x < 0 || x >= width || y < 0 || y >= height) {
      return fill;
    }
    return src[(y * width + x) * channels + c] & 0xff;
  }
}
