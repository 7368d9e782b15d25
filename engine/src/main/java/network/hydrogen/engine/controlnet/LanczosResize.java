package network.hydrogen.engine.controlnet;

/**
 * Pillow's {@code Image.resize(size, Image.LANCZOS)} on 8-bit RGB (what diffusers' {@code
 * VaeImageProcessor} does to a control image of another size than the task's): separable Lanczos-3
 * filtering, the horizontal pass first, each pass with Pillow's 22-bit fixed-point coefficients and
 * rounding to 8 bits.
 */
final class LanczosResize {

  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final double SUPPORT = 3.0;

  private LanczosResize() {}

  static ControlImage resize(ControlImage image, int width, int height) {
    byte[] rgb = image.rgb();
    int inWidth = image.width();
    int inHeight = image.height();
    if (width != inWidth) {
      rgb = pass(rgb, inWidth, inHeight, width, true);
      inWidth = width;
    }
    if (height != inHeight) {
      rgb = pass(rgb, inWidth, inHeight, height, false);
    }
    return new ControlImage(width, height, rgb);
  }

  /** One pass along x ({@code horizontal}) or y, from {@code inSize} to {@code outSize}. */
  private static byte[] pass(byte[] in, int width, int height, int outSize, boolean horizontal) {
    int inSize = horizontal ? width : height;
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(1.0, scale);
    double support = SUPPORT * filterScale;
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
        weights[i] = lanczos((i + min - center + 0.5) * inverse);
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
    return -SUPPORT <= x && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0;
  }

  private static double sinc(double x) {
    if (x == 0) {
      return 1;
    }
    double px = x * Math.PI;
    return Math.sin(px) / px;
  }
}
