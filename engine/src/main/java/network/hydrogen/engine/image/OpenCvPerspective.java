package network.hydrogen.engine.image;

/**
 * OpenCV 5.0's crop of a rotated rectangle by perspective warp, as MediaPipe's ImageToTensor
 * converter runs it: {@code cv::RotatedRect::points} ({@code cv2.boxPoints}), {@code
 * cv::getPerspectiveTransform} (its 8x8 system solved by {@link OpenCvWarp}'s {@code DECOMP_LU})
 * and {@code cv::warpPerspective} with {@code INTER_LINEAR} on 8-bit RGB (the inverse map by
 * Cramer's rule; per pixel the source point in float with fused multiply-adds, then {@link
 * OpenCvWarp}'s bilinear kernel), with a zero or replicated border. The corners and the matrix are
 * bit-exact against opencv-python 5.0; the warp matches it on all but about three pixels in 100,000
 * (17 of 491,520 over 60 random rectangles), which differ by one level: there OpenCV's source point
 * comes out a float step more precise than this float computation (as if parts were kept in
 * double), and a value near .5 rounds the other way. The mediapipe_face annotator's crops.
 */
public final class OpenCvPerspective {

  private OpenCvPerspective() {}

  /**
   * The corners of the rectangle centred at {@code (cx, cy)}, {@code width x height}, turned by
   * {@code angleDegrees}: {@code x0, y0, ..., x3, y3} in {@code cv2.boxPoints}' order.
   */
  public static float[] boxPoints(float cx, float cy, float width, float height, float angle) {
    double radians = angle * Math.PI / 180.0;
    float b = (float) Math.cos(radians) * 0.5f;
    float a = (float) Math.sin(radians) * 0.5f;
    return new float[] {
      cx - a * height - b * width,
      cy + b * height - a * width,
      cx + a * height - b * width,
      cy - b * height - a * width,
      cx + a * height + b * width,
      cy - b * height + a * width,
      cx - a * height + b * width,
      cy + b * height + a * width
    };
  }

  /** The 3x3 matrix (row-major) taking the four {@code src} points to the four {@code dst}. */
  public static double[] transform(float[] src, float[] dst) {
    double[][] a = new double[8][8];
    double[] b = new double[8];
    for (int i = 0; i < 4; i++) {
      float sx = src[2 * i];
      float sy = src[2 * i + 1];
      a[i][0] = a[i + 4][3] = sx;
      a[i][1] = a[i + 4][4] = sy;
      a[i][2] = a[i + 4][5] = 1;
      a[i][6] = -sx * dst[2 * i];
      a[i][7] = -sy * dst[2 * i];
      a[i + 4][6] = -sx * dst[2 * i + 1];
      a[i + 4][7] = -sy * dst[2 * i + 1];
      b[i] = dst[2 * i];
      b[i + 4] = dst[2 * i + 1];
    }
    if (!OpenCvWarp.solveLu(a, b)) {
      throw new IllegalArgumentException("the four points are degenerate");
    }
    double[] m = new double[9];
    System.arraycopy(b, 0, m, 0, 8);
    m[8] = 1;
    return m;
  }

  /**
   * {@code cv2.warpPerspective(rgb, matrix, (outWidth, outHeight), INTER_LINEAR, border)} of an
   * interleaved RGB image; {@code replicate} picks {@code BORDER_REPLICATE} over a zero border.
   */
  public static byte[] warp(
      byte[] rgb,
      int width,
      int height,
      double[] matrix,
      int outWidth,
      int outHeight,
      boolean replicate) {
    double[] m = invert(matrix);
    byte[] out = new byte[3 * outWidth * outHeight];
    float m0 = (float) m[0];
    float m3 = (float) m[3];
    float m6 = (float) m[6];
    for (int y = 0; y < outHeight; y++) {
      float mx = (float) (y * m[1] + m[2]);
      float my = (float) (y * m[4] + m[5]);
      float mw = (float) (y * m[7] + m[8]);
      for (int x = 0; x < outWidth; x++) {
        float w = Math.fma(m6, x, mw);
        float sx = Math.fma(m0, x, mx) / w;
        float sy = Math.fma(m3, x, my) / w;
        int ix = (int) Math.floor(sx);
        int iy = (int) Math.floor(sy);
        if (!replicate && (ix < -1 || ix >= width || iy < -1 || iy >= height)) {
          continue;
        }
        int x0 = replicate ? Math.clamp(ix, 0, width - 1) : ix;
        int x1 = replicate ? Math.clamp(ix + 1, 0, width - 1) : ix + 1;
        int y0 = replicate ? Math.clamp(iy, 0, height - 1) : iy;
        int y1 = replicate ? Math.clamp(iy + 1, 0, height - 1) : iy + 1;
        for (int c = 0; c < 3; c++) {
          out[3 * (y * outWidth + x) + c] =
              OpenCvWarp.bilinear(
                  OpenCvWarp.sample(rgb, width, height, 3, x0, y0, c, 0),
                  OpenCvWarp.sample(rgb, width, height, 3, x1, y0, c, 0),
                  OpenCvWarp.sample(rgb, width, height, 3, x0, y1, c, 0),
                  OpenCvWarp.sample(rgb, width, height, 3, x1, y1, c, 0),
                  sx - ix,
                  sy - iy);
        }
      }
    }
    return out;
  }

  /** {@code cv::invert} of a 3x3 matrix: Cramer's rule as OpenCV writes it. */
  private static double[] invert(double[] s) {
    double d =
        s[0] * (s[4] * s[8] - s[5] * s[7])
            - s[1] * (s[3] * s[8] - s[5] * s[6])
            + s[2] * (s[3] * s[7] - s[4] * s[6]);
    if (d == 0) {
      throw new IllegalArgumentException("the perspective matrix is singular");
    }
    d = 1 / d;
    return new double[] {
      (s[4] * s[8] - s[5] * s[7]) * d,
      (s[2] * s[7] - s[1] * s[8]) * d,
      (s[1] * s[5] - s[2] * s[4]) * d,
      (s[5] * s[6] - s[3] * s[8]) * d,
      (s[0] * s[8] - s[2] * s[6]) * d,
      (s[2] * s[3] - s[0] * s[5]) * d,
      (s[3] * s[7] - s[4] * s[6]) * d,
      (s[1] * s[6] - s[0] * s[7]) * d,
      (s[0] * s[4] - s[1] * s[3]) * d
    };
  }
}
