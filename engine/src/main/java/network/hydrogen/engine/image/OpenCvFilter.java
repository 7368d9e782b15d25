package network.hydrogen.engine.image;

/**
 * OpenCV's {@code cv2.GaussianBlur}, {@code cv2.dilate} and {@code cv2.erode} on interleaved {@code
 * height x width x channels} images, as opencv-python-headless 5.0.0 computes them, with OpenCV's
 * default borders ({@code BORDER_REFLECT_101} for the blur; pixels outside the image left out for
 * the morphology). The controlnet_aux annotators use them: HED/PiDiNet's safe mode and {@code nms},
 * OpenPose's hand detector.
 *
 * <p>8-bit blurs are bit-exact: OpenCV's fixed-point path with the kernel rounded to 8 fractional
 * bits by error diffusion, rows then columns in integers, rounded once. Float blurs are the same
 * separable sums in float and match OpenCV within float rounding (1e-6 relative), not bit for bit:
 * OpenCV's SIMD kernels sum symmetric taps in another order. Dilation and erosion are exact.
 */
public final class OpenCvFilter {

  private static final int FIXED_BITS = 8;

  /**
   * The largest float32 kernels OpenCV filters with its small symmetric row and column filters;
   * longer ones go through RowFilter and SymmColumnFilter, whose SIMD loops fuse multiply-adds.
   */
  private static final int SMALL_ROW_KERNEL = 5;

  private static final int SMALL_COLUMN_KERNEL = 3;

  private OpenCvFilter() {}

  /**
   * {@code cv2.getGaussianKernel(n, sigma)} in double: for {@code sigma <= 0} and {@code n} 1, 3,
   * 5, 7, 9 OpenCV's fixed tables, else {@code exp(-x²/(2σ²))} normalised, with {@code σ = 0.3((n -
   * 1)/2 - 1) + 0.8} when {@code sigma <= 0}.
   */
  public static double[] gaussianKernel(int n, double sigma) {
    if (n <= 0 || n % 2 == 0) {
      throw new IllegalArgumentException("a Gaussian kernel needs an odd size, not " + n);
    }
    if (sigma <= 0) {
      switch (n) {
        case 1:
          return new double[] {1};
        case 3:
          return new double[] {0.25, 0.5, 0.25};
        case 5:
          return new double[] {0.0625, 0.25, 0.375, 0.25, 0.0625};
        case 7:
          return new double[] {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125};
        case 9:
          return new double[] {
            4 / 256.0,
            13 / 256.0,
            30 / 256.0,
            51 / 256.0,
            60 / 256.0,
            51 / 256.0,
            30 / 256.0,
            13 / 256.0,
            4 / 256.0
          };
        default:
          break;
      }
    }
    double s = sigma > 0 ? sigma : Math.fma(n, 0.15, 0.35);
    double scale2 = -0.125 / (s * s);
    int half = (n - 1) / 2;
    double[] values = new double[half];
    double sum = 0;
    for (int i = 0, x = 1 - n; i < half; i++, x += 2) {
      values[i] = StrictMath.exp((double) (x * x) * scale2);
      sum += values[i];
    }
    sum *= 2;
    sum += 1;
    double inverse = 1 / sum;
    double[] kernel = new double[n];
    for (int i = 0; i < half; i++) {
      kernel[i] = values[i] * inverse;
      kernel[n - 1 - i] = kernel[i];
    }
    kernel[half] = inverse;
    return kernel;
  }

  /** The kernel size OpenCV picks for {@code sigma} when the size is 0. */
  private static int sizeFor(double sigma, boolean bytes) {
    return ((int) Math.rint(sigma * (bytes ? 3 : 4) * 2 + 1)) | 1;
  }

  /**
   * {@code cv2.GaussianBlur(src, (kernelWidth, kernelHeight), sigmaX, sigmaY=sigmaY)} on 8-bit
   * samples; a kernel size of 0 is derived from its sigma, a sigmaY of 0 is sigmaX.
   */
  public static byte[] gaussianBlur(
      byte[] src,
      int height,
      int width,
      int channels,
      int kernelWidth,
      int kernelHeight,
      double sigmaX,
      double sigmaY) {
    check(src.length, height, width, channels);
    double[][] kernels = kernels(kernelWidth, kernelHeight, sigmaX, sigmaY, true);
    int[] kx = fixedKernel(kernels[0]);
    int[] ky = fixedKernel(kernels[1]);
    int rowWidth = width * channels;
    int[] rows = new int[height * rowWidth];
    int rx = kx.length / 2;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < channels; c++) {
          int sum = 0;
          for (int k = 0; k < kx.length; k++) {
            int sx = reflect101(x + k - rx, width);
            sum += kx[k] * (src[(y * width + sx) * channels + c] & 0xff);
          }
          rows[y * rowWidth + x * channels + c] = sum;
        }
      }
    }
    byte[] out = new byte[src.length];
    int ry = ky.length / 2;
    for (int y = 0; y < height; y++) {
      for (int i = 0; i < rowWidth; i++) {
        long sum = 0;
        for (int k = 0; k < ky.length; k++) {
          sum += (long) ky[k] * rows[reflect101(y + k - ry, height) * rowWidth + i];
        }
        long value = (sum + (1L << (2 * FIXED_BITS - 1))) >> (2 * FIXED_BITS);
        out[y * rowWidth + i] = (byte) Math.min(255, value);
      }
    }
    return out;
  }

  /**
   * {@code cv2.GaussianBlur(src, (kernelWidth, kernelHeight), sigmaX, sigmaY=sigmaY)} on float32
   * samples; a kernel size of 0 is derived from its sigma, a sigmaY of 0 is sigmaX.
   */
  public static float[] gaussianBlur(
      float[] src,
      int height,
      int width,
      int channels,
      int kernelWidth,
      int kernelHeight,
      double sigmaX,
      double sigmaY) {
    check(src.length, height, width, channels);
    double[][] kernels = kernels(kernelWidth, kernelHeight, sigmaX, sigmaY, false);
    float[] kx = floats(kernels[0]);
    float[] ky = floats(kernels[1]);
    int rowWidth = width * channels;
    float[] rows = new float[src.length];
    int rx = kx.length / 2;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < channels; c++) {
          int row = y * width;
          float sum;
          if (kx.length > SMALL_ROW_KERNEL) {
            // RowFilter with RowVec_32f: every tap in order, fused multiply-adds from zero
            sum = 0f;
            for (int k = -rx; k <= rx; k++) {
              sum = Math.fma(src[(row + reflect101(x + k, width)) * channels + c], kx[rx + k], sum);
            }
          } else {
            sum = kx[rx] * src[(row + x) * channels + c];
            for (int k = 1; k <= rx; k++) {
              float left = src[(row + reflect101(x - k, width)) * channels + c];
              float right = src[(row + reflect101(x + k, width)) * channels + c];
              sum += kx[rx + k] * (left + right);
            }
          }
          rows[y * rowWidth + x * channels + c] = sum;
        }
      }
    }
    float[] out = new float[src.length];
    int ry = ky.length / 2;
    for (int y = 0; y < height; y++) {
      for (int i = 0; i < rowWidth; i++) {
        float sum = ky[ry] * rows[y * rowWidth + i];
        for (int k = 1; k <= ry; k++) {
          float up = rows[reflect101(y - k, height) * rowWidth + i];
          float down = rows[reflect101(y + k, height) * rowWidth + i];
          // long kernels: SymmColumnVec_32f's fused multiply-add
          sum =
              ky.length > SMALL_COLUMN_KERNEL
                  ? Math.fma(up + down, ky[ry + k], sum)
                  : sum + ky[ry + k] * (up + down);
        }
        out[y * rowWidth + i] = sum;
      }
    }
    return out;
  }

  private static double[][] kernels(
      int kernelWidth, int kernelHeight, double sigmaX, double sigmaY, boolean bytes) {
    if (sigmaY <= 0) {
      sigmaY = sigmaX;
    }
    if (kernelWidth <= 0 && sigmaX > 0) {
      kernelWidth = sizeFor(sigmaX, bytes);
    }
    if (kernelHeight <= 0 && sigmaY > 0) {
      kernelHeight = sizeFor(sigmaY, bytes);
    }
    if (kernelWidth <= 0 || kernelHeight <= 0 || kernelWidth % 2 == 0 || kernelHeight % 2 == 0) {
      throw new IllegalArgumentException(
          "a Gaussian blur needs odd positive kernel sizes or a positive sigma, not "
              + kernelWidth
              + "x"
              + kernelHeight
              + " with sigma "
              + sigmaX);
    }
    sigmaX = Math.max(sigmaX, 0);
    sigmaY = Math.max(sigmaY, 0);
    return new double[][] {
      gaussianKernel(kernelWidth, sigmaX), gaussianKernel(kernelHeight, sigmaY)
    };
  }

  /**
   * The kernel in 8-bit fixed point as OpenCV's {@code getGaussianKernelFixedPoint_ED} rounds it:
   * the outer taps with the rounding error carried inwards, the centre making the sum exactly 1.
   */
  private static int[] fixedKernel(double[] kernel) {
    int n = kernel.length;
    int[] fixed = new int[n];
    int half = n / 2;
    double err = 0;
    long sum = 0;
    for (int i = 0; i < half; i++) {
      double adjusted = kernel[i] * (1 << FIXED_BITS) + err;
      long v = Math.round(Math.rint(adjusted));
      err = adjusted - v;
      fixed[i] = (int) v;
      fixed[n - 1 - i] = (int) v;
      sum += v;
    }
    fixed[half] = (int) ((1 << FIXED_BITS) - 2 * sum);
    return fixed;
  }

  private static float[] floats(double[] values) {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return f;
  }

  /** OpenCV's {@code BORDER_REFLECT_101} index ({@code gfedcb|abcdefgh|gfedcba}). */
  static int reflect101(int p, int length) {
    if (length == 1) {
      return 0;
    }
    while (p < 0 || p >= length) {
      p = p < 0 ? -p : 2 * length - 2 - p;
    }
    return p;
  }

  /**
   * {@code cv2.dilate(src, kernel)}: per channel the maximum over the kernel's set cells, anchored
   * at its centre; {@code kernel} is {@code kernelHeight x kernelWidth}, row-major.
   */
  public static float[] dilate(
      float[] src,
      int height,
      int width,
      int channels,
      boolean[] kernel,
      int kernelHeight,
      int kernelWidth) {
    return morphology(src, height, width, channels, kernel, kernelHeight, kernelWidth, true);
  }

  /**
   * {@code cv2.erode(src, kernel)}: as {@link #dilate(float[], int, int, int, boolean[], int, int)}
   * with the minimum.
   */
  public static float[] erode(
      float[] src,
      int height,
      int width,
      int channels,
      boolean[] kernel,
      int kernelHeight,
      int kernelWidth) {
    return morphology(src, height, width, channels, kernel, kernelHeight, kernelWidth, false);
  }

  /** {@code cv2.dilate(src, kernel)} on 8-bit samples. */
  public static byte[] dilate(
      byte[] src,
      int height,
      int width,
      int channels,
      boolean[] kernel,
      int kernelHeight,
      int kernelWidth) {
    return toBytes(
        morphology(
            toFloats(src), height, width, channels, kernel, kernelHeight, kernelWidth, true));
  }

  /** {@code cv2.erode(src, kernel)} on 8-bit samples. */
  public static byte[] erode(
      byte[] src,
      int height,
      int width,
      int channels,
      boolean[] kernel,
      int kernelHeight,
      int kernelWidth) {
    return toBytes(
        morphology(
            toFloats(src), height, width, channels, kernel, kernelHeight, kernelWidth, false));
  }

  private static float[] toFloats(byte[] src) {
    float[] f = new float[src.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = src[i] & 0xff;
    }
    return f;
  }

  private static byte[] toBytes(float[] values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (int) values[i];
    }
    return b;
  }

  private static float[] morphology(
      float[] src,
      int height,
      int width,
      int channels,
      boolean[] kernel,
      int kernelHeight,
      int kernelWidth,
      boolean maximum) {
    check(src.length, height, width, channels);
    if (kernelHeight <= 0 || kernelWidth <= 0 || kernel.length != kernelHeight * kernelWidth) {
      throw new IllegalArgumentException(
          "a "
              + kernelHeight
              + "x"
              + kernelWidth
              + " kernel needs that many cells, not "
              + kernel.length);
    }
    int ay = kernelHeight / 2;
    int ax = kernelWidth / 2;
    float[] out = new float[src.length];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < channels; c++) {
          float best = maximum ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
          for (int ky = 0; ky < kernelHeight; ky++) {
            int sy = y + ky - ay;
            if (sy < 0 || sy >= height) {
              continue;
            }
            for (int kx = 0; kx < kernelWidth; kx++) {
              int sx = x + kx - ax;
              if (!kernel[ky * kernelWidth + kx] || sx < 0 || sx >= width) {
                continue;
              }
              float v = src[(sy * width + sx) * channels + c];
              best = maximum ? Math.max(best, v) : Math.min(best, v);
            }
          }
          out[(y * width + x) * channels + c] = best;
        }
      }
    }
    return out;
  }

  private static void check(int length, int height, int width, int channels) {
    if (height <= 0 || width <= 0 || channels <= 0 || (long) height * width * channels != length) {
      throw new IllegalArgumentException(
          length + " samples are no " + width + "x" + height + "x" + channels + " image");
    }
  }
}
