package network.hydrogen.engine.controlnet;

/**
 * Image steps the annotators share, as controlnet_aux's {@code util} does them. Every annotator
 * runs at the image's own resolution: the image is padded at the bottom and right to multiples of
 * 64 by repeating its edge pixels ({@link #pad64}), the detector runs on that with {@code
 * detect_resolution} and {@code image_resolution} at the padded short side (so its own {@code
 * resize_image} changes nothing), and its map is cropped back ({@link Padded#crop}).
 */
public final class AnnotatorImages {

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

  /** controlnet_aux's {@code pad64}: the next multiple of 64. */
  private static int padded(int size) {
    return (size + 63) / 64 * 64;
  }
}
