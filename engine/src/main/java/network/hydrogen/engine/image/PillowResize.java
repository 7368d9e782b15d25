package network.hydrogen.engine.image;

/**
 * Pillow's {@code Image.resize(size, filter)} on 8-bit RGB, bit for bit: separable filtering, the
 * horizontal pass first, each pass with Pillow's 22-bit fixed-point coefficients and rounding to 8
 * bits. The reference pipelines resize this way: diffusers' {@code VaeImageProcessor} a control
 * image (Lanczos), transformers' {@code CLIPImageProcessor} the safety checker's input (bicubic).
 */
public final class PillowResize {

  /** Pillow's resampling filters, with their support radius at scale 1. */
  public enum Filter {
    /** {@code Image.BICUBIC}: cubic convolution with a = -0.5. */
    BICUBIC(2.0),
    /** {@code Image.LANCZOS}: Lanczos-3 windowed sinc. */
    LANCZOS(3.0);

    private final double support;

    Filter(double support) {
      this.support = support;
    }

    double weight(double x) {
      return switch (this) {
        case BICUBIC -> bicubic(x);
        case LANCZOS -> lanczos(x);
      };
    }
  }

  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final double BICUBIC_A = -0.5;

  private PillowResize() {}

  /**
   * {@code rgb} (8-bit RGB, rows top to bottom) of {@code inWidth} x {@code inHeight} resized to
   * {@code width} x {@code height}.
   */
  public static byte[] resize(
      byte[] rgb, int inWidth, int inHeight, int width, int height, Filter filter) {
    if (rgb.length != 3 * inWidth * inHeight) {
      throw new IllegalArgumentException(
          rgb.length + " bytes are no " + inWidth + "x" + inHeight + " RGB image");
    }
    if (width != inWidth) {
      rgb = pass(rgb, inWidth, inHeight, width, true, filter);
      inWidth = width;
    }
    if (height != inHeight) {
      rgb = pass(rgb, inWidth, inHeight, height, false, filter);
    }
    return rgb;
  }

  /** One pass along x ({@code horizontal}) or y, from {@code inSize} to {@code outSize}. */
  private static byte[] pass(
      byte[] in, int width, int height, int outSize, boolean horizontal, Filter filter) {
    int inSize = horizontal ? width : height;
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(1.0, scale);
    double support = filter.support * filterScale;
    double inverse = 1.0 / filterScale;
    int outWidth = horizontal ? outSize : width;
    int outHeight = horizontal ? height : outSize;
    byte[] out = new byte[3 * outWidth * outHeight];
    for (int o = 0; o < outSize; o++) {
      double center = (o + 0.5) * scale;
      int min = Math.max((int) (center - support + 0.5), 0);
      int count = Math.min((int) (center + support + 0.5), inSize) - min;
      double[] weights = new double[count];
      double total = 0;
      for (int i = 0; i < count; i++) {
        weights[i] = filter.weight((i + min - center + 0.5) * inverse);
        total += weights[i];
      }
      int[] fixed = new int[count];
      for (int i = 0; i < count; i++) {
        double w = total != 0 ? weights[i] / total : weights[i];
        fixed[i] = (int) (w * (1 << PRECISION_BITS) + (w < 0 ? -0.5 : 0.5));
      }
      int lines = horizontal ? height : width;
      for (int line = 0; line < lines; line++) {
        for (int c = 0; c < 3; c++) {
          long sum = 1L << (PRECISION_BITS - 1);
          for (int i = 0; i < count; i++) {
            int at = horizontal ? line * width + min + i : (min + i) * width + line;
            sum += (in[3 * at + c] & 0xff) * (long) fixed[i];
          }
          int target = horizontal ? line * outWidth + o : o * outWidth + line;
          out[3 * target + c] = (byte) clip8(sum);
        }
      }
    }
    return out;
  }

  private static int clip8(long value) {
    if (value >= (255L + 1) << PRECISION_BITS) {
      return 255;
    }
    if (value <= 0) {
      return 0;
    }
    return (int) (value >> PRECISION_BITS);
  }

  private static double lanczos(double x) {
    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0;
  }

  private static double bicubic(double x) {
    x = Math.abs(x);
    if (x < 1.0) {
      return ((BICUBIC_A + 2.0) * x - (BICUBIC_A + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * BICUBIC_A;
    }
    return 0.0;
  }

  private static double sinc(double x) {
    if (x == 0) {
      return 1;
    }
    double px = x * Math.PI;
    return Math.sin(px) / px;
  }
}
