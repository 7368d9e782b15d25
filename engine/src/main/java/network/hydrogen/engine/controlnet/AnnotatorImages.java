package network.hydrogen.engine.controlnet;

import network.hydrogen.engine.image.OpenCvFilter;

/**
 * Image steps the annotators share, as controlnet_aux's {@code util} does them. Every annotator
 * runs at the image's own resolution: the image is padded at the bottom and right to multiples of
 * 64 by repeating its edge pixels ({@link #pad64}), the detector runs on that with {@code
 * detect_resolution} and {@code image_resolution} at the padded short side (so its own {@code
 * resize_image} changes nothing), and its map is cropped back ({@link Padded#crop}); {@link
 * #atOwnResolution} does all three for a detector. The other helpers ({@link #nms}, {@link
 * #safeStep}, {@link #hwc3}, {@link #minMaxNorm}) compute as controlnet_aux 0.0.10 does with numpy
 * 2 and opencv-python-headless 5.0.0 (float32 where numpy's arithmetic is float32).
 */
public final class AnnotatorImages {

  private static final boolean[][] NMS_KERNELS = {
    {false, false, false, true, true, true, false, false, false},
    {false, true, false, false, true, false, false, true, false},
    {true, false, false, false, true, false, false, false, true},
    {false, false, true, false, true, false, true, false, false}
  };

  private AnnotatorImages() {}

  /**
   * An image padded to multiples of 64, and the size it had.
   *
   * @param image the padded image
   * @param width the width before padding
   * @param height the height before padding
   */
  public record Padded(ControlImage image, int width, int height) {

    /**
     * The top-left {@code width x height} of {@code map} (a map of the padded size with {@code
     * channels} interleaved channels).
     */
    public byte[] crop(byte[] map, int channels) {
      int paddedWidth = image.width();
      if (map.length != (long) channels * paddedWidth * image.height()) {
        throw new IllegalArgumentException(
            "the map has "
                + map.length
                + " values, not "
                + channels
                + " channels of "
                + paddedWidth
                + "x"
                + image.height());
      }
      byte[] cropped = new byte[channels * width * height];
      for (int y = 0; y < height; y++) {
        System.arraycopy(
            map, channels * y * paddedWidth, cropped, channels * y * width, channels * width);
      }
      return cropped;
    }

    /** {@link #crop} of a three-channel map of the padded size, as a control image. */
    public ControlImage crop(ControlImage map) {
      return new ControlImage(width, height, crop(map.rgb(), 3));
    }
  }

  /** What a detector computes on the padded image: its map, of the padded size. */
  @FunctionalInterface
  public interface PaddedMap<E extends Exception> {
    ControlImage of(ControlImage padded) throws E;
  }

  /**
   * The resolution rule: {@code detector}'s map of {@code image} padded to multiples of 64 ({@link
   * #pad64}), cropped back to the image's size.
   */
  public static <E extends Exception> ControlImage atOwnResolution(
      ControlImage image, PaddedMap<E> detector) throws E {
    Padded padded = pad64(image);
    return padded.crop(detector.of(padded.image()));
  }

  /** {@code image} padded at the bottom and right to multiples of 64 by edge replication. */
  public static Padded pad64(ControlImage image) {
    int width = image.width();
    int height = image.height();
    int paddedWidth = padded(width);
    int paddedHeight = padded(height);
    byte[] padded = new byte[3 * paddedWidth * paddedHeight];
    for (int y = 0; y < paddedHeight; y++) {
      int sourceRow = Math.min(y, height - 1);
      for (int x = 0; x < paddedWidth; x++) {
        int source = 3 * (sourceRow * width + Math.min(x, width - 1));
        System.arraycopy(image.rgb(), source, padded, 3 * (y * paddedWidth + x), 3);
      }
    }
    return new Padded(new ControlImage(paddedWidth, paddedHeight, padded), width, height);
  }

  /** A grey map ({@code width x height}, one byte a pixel) in three equal channels. */
  public static ControlImage grey(byte[] map, int width, int height) {
    byte[] rgb = new byte[3 * width * height];
    for (int i = 0; i < width * height; i++) {
      rgb[3 * i] = map[i];
      rgb[3 * i + 1] = map[i];
      rgb[3 * i + 2] = map[i];
    }
    return new ControlImage(width, height, rgb);
  }

  /**
   * {@code safe_step(x, step)}: {@code x * (step + 1)} truncated to an integer, divided by {@code
   * step}, in float32.
   */
  public static float[] safeStep(float[] x, int step) {
    if (step <= 0) {
      throw new IllegalArgumentException("safe_step needs a positive step, not " + step);
    }
    float up = step + 1;
    float down = step;
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (float) (int) (x[i] * up) / down;
    }
    return y;
  }

  /**
   * {@code nms(x, t, s)} on one channel: Gaussian blur with sigma {@code s}, keep pixels that equal
   * the maximum of their 3-pixel horizontal, vertical or diagonal line, then 255 where the kept
   * value is above {@code t}, 0 elsewhere.
   */
  public static byte[] nms(float[] x, int height, int width, double t, double s) {
    float[] blurred = OpenCvFilter.gaussianBlur(x, height, width, 1, 0, 0, s, 0);
    float[] kept = new float[blurred.length];
    for (boolean[] kernel : NMS_KERNELS) {
      float[] dilated = OpenCvFilter.dilate(blurred, height, width, 1, kernel, 3, 3);
      for (int i = 0; i < kept.length; i++) {
        if (dilated[i] == blurred[i]) {
          kept[i] = blurred[i];
        }
      }
    }
    byte[] z = new byte[kept.length];
    for (int i = 0; i < z.length; i++) {
      z[i] = kept[i] > t ? (byte) 255 : 0;
    }
    return z;
  }

  /**
   * {@code HWC3(x)}: three channels from one (repeated), three (as is) or four (composited over
   * white in float32, truncated).
   */
  public static byte[] hwc3(byte[] x, int height, int width, int channels) {
    int pixels = height * width;
    if (pixels <= 0 || (long) pixels * channels != x.length) {
      throw new IllegalArgumentException(
          x.length + " samples are no " + width + "x" + height + "x" + channels + " image");
    }
    byte[] y = new byte[3 * pixels];
    switch (channels) {
      case 3 -> System.arraycopy(x, 0, y, 0, y.length);
      case 1 -> {
        for (int i = 0; i < pixels; i++) {
          y[3 * i] = x[i];
          y[3 * i + 1] = x[i];
          y[3 * i + 2] = x[i];
        }
      }
      case 4 -> {
        for (int i = 0; i < pixels; i++) {
          float alpha = (x[4 * i + 3] & 0xff) / 255f;
          float white = 255f * (1f - alpha);
          for (int c = 0; c < 3; c++) {
            float v = (x[4 * i + c] & 0xff) * alpha + white;
            y[3 * i + c] = (byte) (int) Math.max(0f, Math.min(255f, v));
          }
        }
      }
      default ->
          throw new IllegalArgumentException("HWC3 takes 1, 3 or 4 channels, not " + channels);
    }
    return y;
  }

  /** {@code min_max_norm(x)} in place: minus the minimum, over the maximum (at least 1e-5). */
  public static float[] minMaxNorm(float[] x) {
    float min = Float.POSITIVE_INFINITY;
    for (float v : x) {
      min = Math.min(min, v);
    }
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < x.length; i++) {
      x[i] -= min;
      max = Math.max(max, x[i]);
    }
    float divisor = Math.max(max, 1e-5f);
    for (int i = 0; i < x.length; i++) {
      x[i] /= divisor;
    }
    return x;
  }

  /** controlnet_aux's {@code pad64}: the next multiple of 64. */
  static int padded(int size) {
    return (size + 63) / 64 * 64;
  }
}
